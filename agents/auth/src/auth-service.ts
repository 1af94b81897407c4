import { MeshError, silentLogger, type Logger } from '@mesh/common';
import type { CredentialStore } from './credential-store.js';
import type { LoginLimiter } from './login-limiter.js';
import { DEFAULT_SCRYPT_PARAMS, hashPassword, verifyPassword, type ScryptParams } from './password-hash.js';
import { createPasswordCheck } from './password-check.js';
import { DEFAULT_USER_SCOPES } from './scopes.js';
import type {
  LoginInput,
  LoginOutput,
  RegisterCredentialsInput,
  RegisterCredentialsOutput,
  RevocationsInput,
  RevocationsOutput,
  RevokeTokenInput,
  RevokeTokenOutput,
  SigningKeysOutput,
  VerifyTokenInput,
  VerifyTokenOutput,
} from './schemas.js';
import type { RevocationLog } from './revocation-log.js';
import type { SigningKeys } from './signing-keys.js';
import type { TokenService } from './token-service.js';

/** Page size of auth_revocations when the caller names none. */
const DEFAULT_REVOCATIONS_PAGE = 500;

export interface AuthServiceOptions {
  readonly credentials: CredentialStore;
  readonly tokens: TokenService;
  /** Published by auth_signing_keys. */
  readonly keys: SigningKeys;
  /** Read by auth_revocations. */
  readonly revocationLog: RevocationLog;
  readonly limiter: LoginLimiter;
  readonly scrypt?: ScryptParams;
  readonly logger?: Logger;
}

/** The auth tools as plain async functions, so they are tested without a mesh around them. */
export interface AuthService {
  login(input: LoginInput): Promise<LoginOutput>;
  verifyToken(input: VerifyTokenInput): Promise<VerifyTokenOutput>;
  revokeToken(input: RevokeTokenInput): Promise<RevokeTokenOutput>;
  registerCredentials(input: RegisterCredentialsInput): Promise<RegisterCredentialsOutput>;
  signingKeys(): Promise<SigningKeysOutput>;
  revocations(input: RevocationsInput): Promise<RevocationsOutput>;
}

export function createAuthService(options: AuthServiceOptions): AuthService {
  const { credentials, tokens, limiter } = options;
  const params = options.scrypt ?? DEFAULT_SCRYPT_PARAMS;
  const logger = options.logger ?? silentLogger();
  const checkPassword = createPasswordCheck(params);

  return {
    async login({ username, password, client_address }) {
      const attempt = { username, address: client_address };
      await limiter.assertAllowed(attempt);
      const credential = await credentials.findByUsername(username);
      const matches = await checkPassword(password, credential?.passwordHash);
      if (credential === undefined || !matches) {
        await limiter.recordFailure(attempt);
        logger.debug({ username, client_address }, 'login failed');
        throw new MeshError('UNAUTHORIZED', 'invalid username or password');
      }
      await limiter.recordSuccess(attempt);
      const issued = await tokens.issue({
        userId: credential.userId,
        username: credential.username,
        scopes: credential.scopes,
      });
      return {
        access_token: issued.token,
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
        user_id: credential.userId,
        scopes: [...credential.scopes],
      };
    },

    async verifyToken({ token, scope }) {
      const verified = await tokens.verify(token, scope);
      return {
        valid: true,
        user_id: verified.userId,
        ...(verified.username === undefined ? {} : { username: verified.username }),
        scopes: [...verified.scopes],
        expires_at: verified.expiresAt.toISOString(),
      };
    },

    async revokeToken({ token }) {
      const revoked = await tokens.revoke(token);
      logger.info({ token_id: revoked.tokenId }, 'token revoked');
      return { revoked: true, token_id: revoked.tokenId, expires_at: revoked.expiresAt.toISOString() };
    },

    async signingKeys() {
      const keys = await options.keys.published();
      return {
        issuer: tokens.issuer,
        audience: tokens.audience,
        keys: keys.map((key) => ({
          kid: key.kid,
          alg: key.alg,
          jwk: { ...key.jwk },
          not_before: key.notBefore.toISOString(),
          not_after: key.notAfter.toISOString(),
        })),
      };
    },

    async revocations({ cursor, limit }) {
      const page = await options.revocationLog.since(cursor, limit ?? DEFAULT_REVOCATIONS_PAGE);
      return {
        revocations: page.revocations.map((entry) => ({
          jti: entry.jti,
          expires_at: entry.expiresAt.toISOString(),
        })),
        cursor: page.cursor,
        more: page.more,
      };
    },

    async registerCredentials({ user_id, username, password, scopes }) {
      const granted = [...new Set(scopes ?? DEFAULT_USER_SCOPES)];
      const passwordHash = await hashPassword(password, params);
      const result = await credentials.insert({ userId: user_id, username, passwordHash, scopes: granted });
      if (result.created) return { user_id, username, scopes: granted, created: true };
      // A retried registration (same id, same username, same password) is a success, not a conflict.
      const { existing } = result;
      const sameIdentity =
        existing.userId === user_id && existing.username.toLowerCase() === username.toLowerCase();
      if (sameIdentity && (await verifyPassword(password, existing.passwordHash))) {
        return { user_id, username: existing.username, scopes: [...existing.scopes], created: false };
      }
      const field = existing.userId === user_id ? 'user_id' : 'username';
      throw new MeshError('CONFLICT', `${field} already has credentials`, { data: { field } });
    },
  };
}
