/** Public API of @mesh/agent-auth: the domain pieces, for tests and for other deployments' wiring. */
export { createAuthService } from './auth-service.js';
export type { AuthService, AuthServiceOptions } from './auth-service.js';
export { PgCredentialStore, MemoryCredentialStore } from './credential-store.js';
export type { Credential, CredentialStore, InsertResult } from './credential-store.js';
export { createLoginLimiter } from './login-limiter.js';
export type { LoginLimiter, LoginLimiterOptions } from './login-limiter.js';
export { hashPassword, verifyPassword, parsePasswordHash, DEFAULT_SCRYPT_PARAMS } from './password-hash.js';
export type { ScryptParams } from './password-hash.js';
export { createTokenService, MIN_SECRET_BYTES } from './token-service.js';
export type { TokenService, TokenServiceOptions, IssuedToken, VerifiedToken } from './token-service.js';
export { resolveJwtSecret, loadOrCreateSharedSecret } from './jwt-secret.js';
export { seedDemoCredentials, demoAccounts, DEMO_PASSWORD } from './demo-seed.js';
export type { DemoAccount, SeedResult } from './demo-seed.js';
export { authMigrations } from './migrations.js';
export { createAuthStack } from './auth-stack.js';
export type { AuthStack, AuthStackOptions } from './auth-stack.js';
export { scopeAllows, ADMIN_SCOPE, DEFAULT_USER_SCOPES } from './scopes.js';
