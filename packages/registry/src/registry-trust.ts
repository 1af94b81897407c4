import type { IncomingMessage } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import { MeshError } from '@mesh/common';
import type { Logger } from '@mesh/common';
import {
  REGISTRY_IDENTITY_NAME,
  authenticatePeer,
  clientTlsOptions,
  describeIdentity,
  expectAgent,
  openProcessTrust,
  serverTlsOptions,
} from '@mesh/trust';
import type {
  Decision,
  MeshIdentity,
  MeshPolicy,
  PeerAuthentication,
  TlsMaterialSource,
  TlsSettings,
} from '@mesh/trust';
import { Counter } from 'prom-client';
import type { Registry as PromRegistry } from 'prom-client';

/**
 * The registry's side of mesh trust in strict mode: its own certificate (identity `agent/registry`, reloaded
 * on rotation), the policy from architecture.yml, and refusals that answer 401/403 naming the identity and
 * what it tried, with one log line and a metric each.
 */
export class RegistryTrust {
  readonly policy: MeshPolicy;
  private readonly source: TlsMaterialSource;
  private readonly refusals: Counter<'reason' | 'identity' | 'action'>;

  constructor(
    settings: TlsSettings,
    private readonly logger: Logger,
    prom: PromRegistry,
    policy?: MeshPolicy,
  ) {
    const trust = openProcessTrust(settings, { kind: 'agent', name: REGISTRY_IDENTITY_NAME }, logger, policy);
    this.source = trust.source;
    this.policy = trust.policy;
    this.refusals = new Counter({
      name: 'mesh_registry_trust_refusals_total',
      help: 'Requests refused by mTLS (unauthenticated) or the policy (forbidden), by identity and action.',
      labelNames: ['reason', 'identity', 'action'],
      registers: [prom],
    });
  }

  serverOptions() {
    return serverTlsOptions(this.source.current);
  }

  /** Starts watching the certificate files; `onRotate` swaps the server's context. */
  start(onRotate: () => void): void {
    this.source.onChange(() => {
      this.logger.info('TLS certificate rotated');
      onRotate();
    });
    this.source.start();
  }

  stop(): void {
    this.source.stop();
  }

  authenticate(req: IncomingMessage): PeerAuthentication {
    return authenticatePeer(req.socket);
  }

  /** A 401 for a caller without a valid mesh certificate. */
  unauthenticated(reason: string, action: string): MeshError {
    this.refusals.inc({ reason: 'unauthenticated', identity: 'anonymous', action });
    this.logger.warn({ status: 401, action, reason }, 'request refused');
    return new MeshError('UNAUTHORIZED', `mTLS with a mesh certificate is required: ${reason}`, {
      data: { status: 401 },
    });
  }

  /** Throws a 403 unless the decision allows; `action` names what was tried (`register payment_process`). */
  require(decision: Decision, identity: MeshIdentity, action: string): void {
    if (decision.allowed) return;
    const who = describeIdentity(identity);
    this.refusals.inc({ reason: 'forbidden', identity: who, action: action.split(' ')[0] ?? action });
    this.logger.warn({ status: 403, identity: who, action, reason: decision.reason }, 'request refused');
    throw new MeshError('FORBIDDEN', `${who} may not ${action}: ${decision.reason}`, {
      data: { status: 403 },
    });
  }

  /** TLS options for the proxy's connection to an agent: its certificate must name that agent. */
  proxyTls(agentName: string): ConnectionOptions {
    return clientTlsOptions(this.source.current, expectAgent(agentName));
  }
}
