import { verify } from 'node:crypto';
import type { VerificationKey } from './verification-key.js';

/** What a token must match besides its signature. */
export interface JwtExpectations {
  readonly issuer: string;
  readonly audience: string;
  /** Clock skew allowed on exp and nbf, seconds. */
  readonly leewaySeconds: number;
  /** Epoch ms. */
  readonly now: number;
}

/** The claims the gateway uses. */
export interface JwtClaims {
  readonly sub: string;
  readonly jti: string;
  /** Epoch seconds. */
  readonly exp: number;
  readonly scopes: string[];
  readonly username: string | undefined;
}

/** Why a token was refused (for logs and metrics; the client only hears 401). */
export type JwtRefusal =
  | 'malformed'
  | 'unknown_kid'
  | 'bad_alg'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claims';

export type JwtCheck =
  | { readonly ok: true; readonly claims: JwtClaims; readonly kid: string }
  | { readonly ok: false; readonly reason: JwtRefusal; readonly kid?: string };

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** An Ed25519 signature is 64 bytes: 86 base64url characters. */
const ED25519_SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
const MAX_TOKEN_LENGTH = 4096;

function refuse(reason: JwtRefusal, kid?: string): JwtCheck {
  return kid === undefined ? { ok: false, reason } : { ok: false, reason, kid };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a compact JWS access token as auth-agent signs it. The key comes from the header's kid and pins the
 * algorithm: a token naming any other `alg` (`none`, `HS256` keyed with the public key…) is refused before any
 * cryptography. Then the Ed25519 signature, and only then the claims: `iss`, `aud`, `exp` and `nbf` (with
 * leeway), `sub`, `jti`, `scope`. Synchronous and allocation-light: it runs on every authenticated request.
 */
export function verifyJwt(
  token: string,
  keyOf: (kid: string) => VerificationKey | undefined,
  expected: JwtExpectations,
): JwtCheck {
  if (token.length > MAX_TOKEN_LENGTH) return refuse('malformed');
  const [headerPart, payloadPart, signaturePart, extra] = token.split('.');
  if (
    headerPart === undefined ||
    payloadPart === undefined ||
    signaturePart === undefined ||
    extra !== undefined
  ) {
    return refuse('malformed');
  }
  if (!BASE64URL.test(headerPart) || !BASE64URL.test(payloadPart)) return refuse('malformed');
  const header = decodeJson(headerPart);
  // `crit` names extensions the verifier must understand (RFC 7515 4.1.11); this one understands none.
  if (header === undefined || typeof header['kid'] !== 'string' || header['crit'] !== undefined) {
    return refuse('malformed');
  }
  const kid = header['kid'];
  const key = keyOf(kid);
  if (key === undefined) return refuse('unknown_kid', kid);
  if (header['alg'] !== key.alg) return refuse('bad_alg', kid);
  if (!ED25519_SIGNATURE.test(signaturePart)) return refuse('bad_signature', kid);
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  if (!verify(null, signed, key.key, Buffer.from(signaturePart, 'base64url')))
    return refuse('bad_signature', kid);

  const claims = decodeJson(payloadPart);
  if (claims === undefined) return refuse('malformed', kid);
  const { sub, jti, exp, nbf, iss, aud, scope } = claims;
  if (
    typeof sub !== 'string' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number' ||
    typeof scope !== 'string'
  ) {
    return refuse('missing_claims', kid);
  }
  if (iss !== expected.issuer) return refuse('wrong_issuer', kid);
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(expected.audience)) return refuse('wrong_audience', kid);
  const nowSeconds = expected.now / 1000;
  if (nowSeconds >= exp + expected.leewaySeconds) return refuse('expired', kid);
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + expected.leewaySeconds)) {
    return refuse('not_yet_valid', kid);
  }
  const username = claims['preferred_username'];
  return {
    ok: true,
    kid,
    claims: {
      sub,
      jti,
      exp,
      scopes: scope.split(' ').filter((word) => word !== ''),
      username: typeof username === 'string' ? username : undefined,
    },
  };
}
