import { randomUUID } from 'node:crypto';
import {
  SignJWT,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import { MeshError, isMeshError } from '@mesh/common';
import type { SharedStore } from '@mesh/backends';
import type { RevocationLog } from './revocation-log.js';
import { scopeAllows } from './scopes.js';
import { TOKEN_ALGORITHM } from './signing-key.js';
import type { SigningKeys } from './signing-keys.js';

/** `iss` of every token unless configured otherwise. */
export const DEFAULT_ISSUER = 'mesh-auth';
/** `aud` of every token unless configured otherwise. */
export const DEFAULT_AUDIENCE = 'mesh';
/** Clock skew accepted between replicas and verifiers, seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

export interface TokenServiceOptions {
  /** Ed25519 keys shared by every auth replica, so each accepts the others' tokens. */
  readonly keys: SigningKeys;
  readonly ttlSeconds: number;
  /** Where revoked token ids live for auth_verify_token; shared by replicas. */
  readonly revocations: SharedStore;
  /** The same revocations in order, for verifiers that poll (auth_revocations). */
  readonly revocationLog: RevocationLog;
  readonly issuer?: string;
  readonly audience?: string;
  /** Allowed clock skew between replicas, seconds. */
  readonly clockToleranceSeconds?: number;
  /** Epoch milliseconds; tests move it to check expiry. */
  readonly now?: () => number;
}

export interface IssuedToken {
  readonly token: string;
  readonly tokenId: string;
  /** Seconds from now. */
  readonly expiresIn: number;
  readonly expiresAt: Date;
}

export interface VerifiedToken {
  readonly userId: string;
  readonly username: string | undefined;
  readonly scopes: readonly string[];
  readonly tokenId: string;
  readonly expiresAt: Date;
}

export interface TokenService {
  readonly issuer: string;
  readonly audience: string;
  issue(subject: { userId: string; username?: string; scopes: readonly string[] }): Promise<IssuedToken>;
  /** UNAUTHORIZED for a bad, expired or revoked token; FORBIDDEN when `scope` is given and not granted. */
  verify(token: string, scope?: string): Promise<VerifiedToken>;
  /** Revokes a valid token until it would have expired anyway; an expired token needs nothing. */
  revoke(token: string): Promise<{ tokenId: string; expiresAt: Date }>;
}

const REVOKED_PREFIX = 'revoked:';

function unauthorized(message: string, cause?: unknown): MeshError {
  return new MeshError('UNAUTHORIZED', message, cause === undefined ? {} : { cause });
}

function readClaims(payload: JWTPayload): {
  userId: string;
  username: string | undefined;
  scopes: string[];
  tokenId: string;
  exp: number;
} {
  const { sub, jti, exp } = payload;
  const scope = payload['scope'];
  const username = payload['preferred_username'];
  if (
    typeof sub !== 'string' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number' ||
    typeof scope !== 'string'
  ) {
    throw unauthorized('token is missing required claims');
  }
  return {
    userId: sub,
    username: typeof username === 'string' ? username : undefined,
    scopes: scope.split(' ').filter((word) => word !== ''),
    tokenId: jti,
    exp,
  };
}

/**
 * JWT issue/verify/revoke with jose: EdDSA (Ed25519) with the key's id in `kid`, scopes in the space-separated
 * `scope` claim (RFC 8693). Only EdDSA is accepted, whatever a token's header claims.
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const now = options.now ?? Date.now;
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;

  const keyFor: JWTVerifyGetKey = async (header): Promise<KeyObject> => {
    const key = header.kid === undefined ? undefined : await options.keys.find(header.kid);
    if (key === undefined) throw unauthorized('token signed by an unknown key');
    return key.publicKey;
  };

  async function verifySignature(token: string): Promise<{ payload: JWTPayload; expired: boolean }> {
    try {
      const { payload } = await jwtVerify(token, keyFor, {
        algorithms: [TOKEN_ALGORITHM],
        issuer,
        audience,
        clockTolerance,
        currentDate: new Date(now()),
      });
      return { payload, expired: false };
    } catch (error: unknown) {
      if (error instanceof joseErrors.JWTExpired) return { payload: error.payload, expired: true };
      // auth_db failing while a key is looked up is an outage, not a bad token.
      if (isMeshError(error) && error.code !== 'UNAUTHORIZED') throw error;
      throw unauthorized('invalid token', error);
    }
  }

  return {
    issuer,
    audience,

    async issue(subject) {
      const key = await options.keys.current();
      if (key.privateKey === undefined)
        throw new MeshError('STORAGE_ERROR', 'signing key has no private half');
      const issuedAt = Math.floor(now() / 1000);
      const exp = issuedAt + options.ttlSeconds;
      const tokenId = randomUUID();
      const claims: JWTPayload = { scope: subject.scopes.join(' ') };
      if (subject.username !== undefined) claims['preferred_username'] = subject.username;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT', kid: key.kid })
        .setSubject(subject.userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setJti(tokenId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(exp)
        .sign(key.privateKey);
      return { token, tokenId, expiresIn: options.ttlSeconds, expiresAt: new Date(exp * 1000) };
    },

    async verify(token, scope) {
      const { payload, expired } = await verifySignature(token);
      if (expired) throw unauthorized('token expired');
      const claims = readClaims(payload);
      if (await options.revocations.hasFlag(REVOKED_PREFIX + claims.tokenId)) {
        throw unauthorized('token revoked');
      }
      if (scope !== undefined && !scopeAllows(claims.scopes, scope)) {
        throw new MeshError('FORBIDDEN', `token lacks scope ${scope}`, { data: { scope } });
      }
      return {
        userId: claims.userId,
        username: claims.username,
        scopes: claims.scopes,
        tokenId: claims.tokenId,
        expiresAt: new Date(claims.exp * 1000),
      };
    },

    async revoke(token) {
      const { payload, expired } = await verifySignature(token);
      const claims = readClaims(payload);
      const expiresAt = new Date(claims.exp * 1000);
      if (!expired) {
        // Keep the flag past expiry by the skew we accept, or a replica with a slow clock could still take it.
        const ttlMs = claims.exp * 1000 - now() + clockTolerance * 1000 + 1000;
        await options.revocations.setFlag(REVOKED_PREFIX + claims.tokenId, ttlMs);
        await options.revocationLog.record({ jti: claims.tokenId, expiresAt });
      }
      return { tokenId: claims.tokenId, expiresAt };
    },
  };
}
