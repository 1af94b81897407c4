import { MeshError, type Logger } from '@mesh/common';
import type { VerifiedToken } from '../mesh-ports.js';
import { verifyJwt, type JwtCheck } from './jwt-verify.js';
import type { KeySet } from './key-set.js';
import type { RevocationList } from './revocation-list.js';
import { VerifiedTokens, type VerifiedEntry } from './verified-tokens.js';

/** How the gateway checks a bearer token. */
export interface TokenVerifier {
  /** UNAUTHORIZED for a bad, expired or revoked token; AUTH_UNAVAILABLE (503) before it can check any. */
  verify(token: string): Promise<VerifiedToken>;
  /** Whether it can check tokens (for /ready). */
  ready(): boolean;
  /** What /health shows of it. */
  status(): Record<string, unknown>;
}

export interface LocalVerifierOptions {
  readonly keys: KeySet;
  readonly revocations: RevocationList;
  /** Clock skew allowed on exp and nbf, seconds (auth allows the same). */
  readonly leewaySeconds?: number;
  readonly now?: () => number;
  readonly logger?: Pick<Logger, 'debug'>;
  /** Counts refusals by reason (metrics). */
  readonly onRefused?: (reason: string) => void;
  /** Tokens whose signature is remembered (0: verify every request's signature). */
  readonly maxRemembered?: number;
}

/**
 * Verifies tokens in process with the keys auth-agent publishes, instead of a mesh call per request: the
 * signature with the key the kid names (its algorithm only), the claims, then the revocation list. A token seen
 * before skips the signature (VerifiedTokens) but never the checks that can change: its key still held, exp,
 * revocation.
 */
export function createLocalVerifier(options: LocalVerifierOptions): TokenVerifier {
  const { keys, revocations } = options;
  const now = options.now ?? Date.now;
  const leewaySeconds = options.leewaySeconds ?? 5;
  const remembered = new VerifiedTokens(options.maxRemembered ?? 10_000);

  const refuse = (reason: string, message: string): MeshError => {
    options.onRefused?.(reason);
    options.logger?.debug({ reason }, 'bearer token refused');
    return new MeshError('UNAUTHORIZED', message);
  };

  /** A remembered token while its key is held and it has not expired; otherwise it is forgotten. */
  function rememberedEntry(token: string): VerifiedEntry | undefined {
    const entry = remembered.get(token);
    if (entry === undefined) return undefined;
    if (keys.key(entry.kid) !== undefined && now() / 1000 < entry.exp + leewaySeconds) return entry;
    remembered.delete(token);
    return undefined;
  }

  return {
    ready: () => keys.ready && revocations.ready,
    status: () => ({ keys: keys.status(), revocations: revocations.status() }),

    async verify(token) {
      const expected = keys.expected;
      if (expected === undefined || !revocations.ready) {
        throw new MeshError(
          'AUTH_UNAVAILABLE',
          'the gateway has not yet fetched the token keys and revocations from auth-agent; try again shortly',
        );
      }
      let entry = rememberedEntry(token);
      if (entry === undefined) {
        const check = (): JwtCheck =>
          verifyJwt(token, (kid) => keys.key(kid), { ...expected, leewaySeconds, now: now() });
        let result = check();
        if (!result.ok && result.reason === 'unknown_kid' && result.kid !== undefined) {
          if ((await keys.refetchFor(result.kid)) !== undefined) result = check();
        }
        if (!result.ok) throw refuse(result.reason, 'invalid or expired token');
        const { claims } = result;
        entry = {
          kid: result.kid,
          jti: claims.jti,
          exp: claims.exp,
          // Shared by every request with this token: frozen, so no route can change what another one sees.
          verified: Object.freeze({
            user_id: claims.sub,
            scopes: Object.freeze(claims.scopes) as string[],
            expires_at: new Date(claims.exp * 1000).toISOString(),
          }),
        };
        remembered.set(token, entry);
      }
      if (revocations.has(entry.jti)) throw refuse('revoked', 'token revoked');
      return entry.verified;
    },
  };
}
