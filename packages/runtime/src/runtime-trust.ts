import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@mesh/common';
import {
  REGISTRY_IDENTITY_NAME,
  authenticatePeer,
  clientTlsOptions,
  describeIdentity,
  expectAgent,
  openProcessTrust,
  pooledClientTlsOptions,
  serverTlsOptions,
} from '@mesh/trust';
import type {
  Decision,
  MeshIdentity,
  MeshPolicy,
  PeerAuthentication,
  TlsMaterial,
  TlsMaterialSource,
  TlsSettings,
} from '@mesh/trust';
import { poolOptions } from './mcp-client.js';
import type { RuntimeMetrics } from './metrics.js';

/** How long connections made with replaced certificates may finish their calls before they are closed. */
const RETIRE_AFTER_MS = 60_000;

/** Server-side checks of one `/mcp` request: who calls, and may it call this tool. */
export interface McpGuard {
  authenticate(req: IncomingMessage): PeerAuthentication;
  authorize(identity: MeshIdentity, capability: string): Decision;
  refused(status: 401 | 403, reason: string, identity: MeshIdentity | undefined, capability: string): void;
}

/**
 * An agent's side of mesh trust in strict mode: its certificate (reloaded on rotation), the policy from
 * architecture.yml, the server options and `/mcp` guard, and client connections that accept a provider only
 * when its certificate names an agent allowed to provide the capability called.
 */
export class RuntimeTrust implements McpGuard {
  readonly policy: MeshPolicy;
  private readonly source: TlsMaterialSource;
  private readonly agents = new Map<string, https.Agent>();
  private registryHttpsAgent: https.Agent | undefined;
  private readonly rotationListeners: ((material: TlsMaterial) => void)[] = [];

  constructor(
    settings: TlsSettings,
    private readonly agentName: string,
    private readonly logger: Logger,
    private readonly metrics: RuntimeMetrics,
    policy: MeshPolicy | undefined,
    /** Connections per provider and capability pool; `McpHttpClient` keeps calls in flight to the same bound. */
    private readonly maxConnectionsPerProvider: number,
  ) {
    const trust = openProcessTrust(settings, { kind: 'agent', name: agentName }, logger, policy);
    this.source = trust.source;
    this.policy = trust.policy;
    this.source.onChange((material) => this.rotate(material));
  }

  get identity(): MeshIdentity {
    return this.source.current.identity;
  }

  get material(): TlsMaterial {
    return this.source.current;
  }

  /** Starts watching the certificate files. */
  start(): void {
    this.source.start();
  }

  stop(): void {
    this.source.stop();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    this.registryHttpsAgent?.destroy();
  }

  /** Calls `listener` after each certificate rotation (server context swapped, client pools renewed). */
  onRotate(listener: (material: TlsMaterial) => void): void {
    this.rotationListeners.push(listener);
  }

  serverOptions() {
    return serverTlsOptions(this.source.current);
  }

  /** Reloads the certificate files now if they changed (tests; otherwise a timer does it). */
  checkRotation(): boolean {
    return this.source.check();
  }

  authenticate(req: IncomingMessage): PeerAuthentication {
    return authenticatePeer(req.socket);
  }

  authorize(identity: MeshIdentity, capability: string): Decision {
    return this.policy.mayCall(identity, this.agentName, capability);
  }

  refused(status: 401 | 403, reason: string, identity: MeshIdentity | undefined, capability: string): void {
    const who = describeIdentity(identity);
    this.metrics.trustRefusals.inc({
      direction: 'inbound',
      reason: status === 401 ? 'unauthenticated' : 'forbidden',
      identity: who,
      capability,
    });
    this.logger.warn({ status, identity: who, capability, reason }, 'call refused');
  }

  /** The connection pool for calls to one capability: handshakes accept only its allowed providers. */
  agentFor(capability: string): https.Agent {
    let agent = this.agents.get(capability);
    if (!agent) {
      agent = new https.Agent({
        ...poolOptions(this.maxConnectionsPerProvider),
        ...pooledClientTlsOptions(this.source.current, (peer) => this.expectProvider(peer, capability)),
      });
      this.agents.set(capability, agent);
    }
    return agent;
  }

  /** The connection pool for registry traffic: the peer must be the registry's identity. */
  registryAgent(): https.Agent {
    this.registryHttpsAgent ??= new https.Agent({
      keepAlive: true,
      maxSockets: 4,
      ...pooledClientTlsOptions(this.source.current, expectRegistry),
    });
    return this.registryHttpsAgent;
  }

  /** TLS options for one-off registry connections (the change feed). */
  registryTlsOptions() {
    return clientTlsOptions(this.source.current, expectRegistry);
  }

  /** Counts and logs a provider refused at the handshake (its certificate names the wrong agent). */
  providerRefused(capability: string, provider: string, reason: string): void {
    this.metrics.trustRefusals.inc({
      direction: 'outbound',
      reason: 'peer_rejected',
      identity: provider,
      capability,
    });
    this.logger.warn(
      { capability, provider, reason },
      'provider refused: its certificate may not provide this capability',
    );
  }

  private expectProvider(peer: MeshIdentity, capability: string): Decision {
    if (peer.kind === 'agent' && this.policy.providersOf(capability).has(peer.name)) return { allowed: true };
    return {
      allowed: false,
      reason: `${describeIdentity(peer)} may not provide ${capability} (architecture.yml)`,
    };
  }

  private rotate(material: TlsMaterial): void {
    // New pools for new calls; the old ones finish what they carry and are closed a minute later.
    const retired = [...this.agents.values()];
    if (this.registryHttpsAgent) retired.push(this.registryHttpsAgent);
    this.agents.clear();
    this.registryHttpsAgent = undefined;
    setTimeout(() => {
      for (const agent of retired) agent.destroy();
    }, RETIRE_AFTER_MS).unref();
    this.logger.info(
      { identity: describeIdentity(material.identity), not_after: material.notAfter.toISOString() },
      'TLS certificate rotated',
    );
    for (const listener of this.rotationListeners) listener(material);
  }
}

/** The registry's certificate is the only one registry traffic accepts. */
const expectRegistry = expectAgent(REGISTRY_IDENTITY_NAME, 'the registry');
