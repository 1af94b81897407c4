import { newTraceContext, type Logger } from '@mesh/common';
import type { GatewayMetrics } from '../metrics.js';
import type { MeshCallOptions, MeshPorts } from '../mesh-ports.js';
import { KeySet } from './key-set.js';
import { createLocalVerifier, type TokenVerifier } from './local-verifier.js';
import { RevocationList } from './revocation-list.js';

export interface TokenCheckOptions {
  readonly mesh: Pick<MeshPorts, 'signingKeys' | 'revocations'>;
  /** AUTH_KEYS_REFRESH. */
  readonly keysRefreshMs: number;
  /** AUTH_REVOCATION_POLL. */
  readonly revocationPollMs: number;
  readonly logger?: Logger;
  readonly metrics?: GatewayMetrics | undefined;
  readonly now?: () => number;
}

/** The token verifier and the background syncs feeding it. */
export interface TokenCheck {
  readonly verifier: TokenVerifier;
  readonly keys: KeySet;
  readonly revocations: RevocationList;
  /** Fetches keys and revocations now and keeps them fresh until `stop` (after the mesh has started). */
  start(): void;
  /** Fetches both once and waits (tests, benches). */
  sync(): Promise<void>;
  stop(): void;
}

/** A background call's options: its own trace, not sampled, so a poll a second does not flood the tracer. */
function backgroundCall(timeoutMs: number): MeshCallOptions {
  return { trace: { ...newTraceContext(), sampled: false }, timeoutMs };
}

/** Wires local token verification over the mesh: auth_signing_keys and auth_revocations, polled. */
export function createTokenCheck(options: TokenCheckOptions): TokenCheck {
  const { mesh, logger, metrics } = options;
  const now = options.now ?? Date.now;
  const keys = new KeySet({
    fetch: () => mesh.signingKeys(backgroundCall(5_000)),
    refreshMs: options.keysRefreshMs,
    unknownKidRefetchMs: 1_000,
    now,
    ...(logger ? { logger } : {}),
  });
  const revocations = new RevocationList({
    poll: (cursor) => mesh.revocations(cursor, backgroundCall(Math.max(1_000, options.revocationPollMs))),
    intervalMs: options.revocationPollMs,
    now,
    ...(logger ? { logger } : {}),
  });
  metrics?.watchAuthSync(() => ({ keys: keys.ageMs(), revocations: revocations.ageMs() }));
  const verifier = createLocalVerifier({
    keys,
    revocations,
    now,
    ...(logger ? { logger } : {}),
    ...(metrics ? { onRefused: (reason: string) => metrics.tokenRefusals.inc({ reason }) } : {}),
  });
  return {
    verifier,
    keys,
    revocations,
    start() {
      keys.start();
      revocations.start();
    },
    async sync() {
      await Promise.all([keys.refresh(), revocations.poll()]);
    },
    stop() {
      keys.stop();
      revocations.stop();
    },
  };
}
