/** Public API of @mesh/agent-auth: the domain pieces, for tests and for other deployments' wiring. */
export { createAuthService } from './auth-service.js';
export type { AuthService, AuthServiceOptions } from './auth-service.js';
export { PgCredentialStore, MemoryCredentialStore } from './credential-store.js';
export type { Credential, CredentialStore, InsertResult } from './credential-store.js';
export { createLoginLimiter } from './login-limiter.js';
export type { LoginLimiter, LoginLimiterOptions } from './login-limiter.js';
export { hashPassword, verifyPassword, parsePasswordHash, DEFAULT_SCRYPT_PARAMS } from './password-hash.js';
export type { ScryptParams } from './password-hash.js';
export {
  createTokenService,
  DEFAULT_AUDIENCE,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_ISSUER,
} from './token-service.js';
export type { TokenService, TokenServiceOptions, IssuedToken, VerifiedToken } from './token-service.js';
export { createSigningKeys, CONFIGURED_KEY_LEASE_MS } from './signing-keys.js';
export type { PublishedKey, SigningKeys, SigningKeysOptions } from './signing-keys.js';
export {
  TOKEN_ALGORITHM,
  generateSigningKeyPair,
  keyIdOf,
  parsePrivateKey,
  publicJwkOf,
} from './signing-key.js';
export type { PublicJwk, SigningKey } from './signing-key.js';
export { MemorySigningKeyStore, PgSigningKeyStore } from './signing-key-store.js';
export type { SigningKeyStore, StoredKey } from './signing-key-store.js';
export { MemoryRevocationLog, PgRevocationLog } from './revocation-log.js';
export type { RevocationEntry, RevocationLog, RevocationPage } from './revocation-log.js';
export { seedDemoCredentials, demoAccounts, DEMO_PASSWORD } from './demo-seed.js';
export type { DemoAccount, SeedResult } from './demo-seed.js';
export { authMigrations } from './migrations.js';
export { createAuthStack } from './auth-stack.js';
export type { AuthStack, AuthStackOptions } from './auth-stack.js';
export { scopeAllows, ADMIN_SCOPE, DEFAULT_USER_SCOPES } from './scopes.js';
