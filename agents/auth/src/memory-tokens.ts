import { MemorySharedStore, type SharedStore } from '@mesh/backends';
import { MemoryRevocationLog } from './revocation-log.js';
import { MemorySigningKeyStore } from './signing-key-store.js';
import { createSigningKeys, type SigningKeys } from './signing-keys.js';
import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  createTokenService,
  type TokenService,
  type TokenServiceOptions,
} from './token-service.js';

export interface MemoryTokensOptions {
  readonly ttlSeconds: number;
  /** Default: a day. */
  readonly rotationMs?: number;
  readonly revocations?: SharedStore;
  readonly now?: () => number;
  /** Anything else of the token service (issuer, audience…). */
  readonly overrides?: Partial<TokenServiceOptions>;
}

/**
 * A token service whose keys and revocations live in this process: for unit tests and single-process tools.
 * The agent itself always shares them through auth_db (auth-stack.ts).
 */
export function memoryTokens(options: MemoryTokensOptions): {
  tokens: TokenService;
  keys: SigningKeys;
  revocationLog: MemoryRevocationLog;
  keyStore: MemorySigningKeyStore;
} {
  const now = options.now ?? Date.now;
  const keyStore = new MemorySigningKeyStore();
  const keys = createSigningKeys({
    store: keyStore,
    rotationMs: options.rotationMs ?? 86_400_000,
    tokenTtlSeconds: options.ttlSeconds,
    clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS,
    now,
  });
  const revocationLog = new MemoryRevocationLog(now);
  const tokens = createTokenService({
    keys,
    ttlSeconds: options.ttlSeconds,
    revocations: options.revocations ?? new MemorySharedStore({ prefix: 't:', now }),
    revocationLog,
    now,
    ...options.overrides,
  });
  return { tokens, keys, revocationLog, keyStore };
}
