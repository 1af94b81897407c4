import { randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { MeshError } from '@mesh/common';
import { scopeAllows } from './scopes.js';
import type { SharedStore } from '@mesh/backends';

/** Shortest HS256 secret we accept: 256 bits, the size of the MAC (RFC 7518 section 3.2). */
export const MIN_SECRET_BYTES = 32;

export interface TokenServiceOptions {
  /** HS256 key shared by every auth replica, so each accepts the others' tokens. */
  readonly secret: Uint8Array;
  readonly ttlSeconds: number;
  /** Where revoked token ids live; shared by replicas. */
  readonly revocations: SharedStore;
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
  issue(subject: { userId: string; username?: string; scopes: readonly string[] }): Promise<IssuedToken>;
  /** UNAUTHORIZED for a bad, expired or revoked token; FORBIDDEN when `scope` is given and not granted. */
  verify(token: string, scope?: string): Promise<VerifiedToken>;
  /** Revokes a valid token until it would have expired anyway; an expired token needs nothing. */
  revoke(token: string): Promise<{ tokenId: string; expiresAt: Date }>;
}

const REVOKED_PREFIX = 'revoked:';
const ALGORITHM = 'HS256';

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

/** JWT issue/verify/revoke with jose (HS256), scopes in the space-separated `scope` claim (RFC 8693). */
export function createTokenService(options: TokenServiceOptions): TokenService {
  if (options.secret.byteLength < MIN_SECRET_BYTES) {
    throw new MeshError('CONFIG_INVALID', `JWT secret must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const now = options.now ?? Date.now;
  const issuer = options.issuer ?? 'mesh-auth';
  const audience = options.audience ?? 'mesh';
  const clockTolerance = options.clockToleranceSeconds ?? 5;

  async function verifySignature(token: string): Promise<{ payload: JWTPayload; expired: boolean }> {
    try {
      const { payload } = await jwtVerify(token, options.secret, {
        algorithms: [ALGORITHM],
        issuer,
        audience,
        clockTolerance,
        currentDate: new Date(now()),
      });
      return { payload, expired: false };
    } catch (error: unknown) {
      if (error instanceof joseErrors.JWTExpired) return { payload: error.payload, expired: true };
      throw unauthorized('invalid token', error);
    }
  }

  return {
    async issue(subject) {
      const issuedAt = Math.floor(now() / 1000);
      const exp = issuedAt + options.ttlSeconds;
      const tokenId = randomUUID();
      const claims: JWTPayload = { scope: subject.scopes.join(' ') };
      if (subject.username !== undefined) claims['preferred_username'] = subject.username;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setSubject(subject.userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setJti(tokenId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(exp)
        .sign(options.secret);
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
      }
      return { tokenId: claims.tokenId, expiresAt };
    },
  };
}
