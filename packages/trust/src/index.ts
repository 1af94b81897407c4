/** Public API of @mesh/trust. Anything exported here is public; nothing else is. Issuing lives in `@mesh/trust/ca`. */
export {
  OPERATOR_IDENTITY_NAME,
  REGISTRY_IDENTITY_NAME,
  describeIdentity,
  identityOfSubjectAltNames,
  isTrustDomain,
  namesHost,
  normalizeHost,
  parseSpiffeUri,
  parseSubjectAltNames,
  spiffeUri,
} from './identity.js';
export type { IdentityKind, MeshIdentity, SubjectAltNames } from './identity.js';
export { MeshPolicy, isConsumerCapabilityOf } from './policy.js';
export type { Decision, PolicyAgent } from './policy.js';
export { loadPolicyFile, policyAgentsOf } from './policy-file.js';
export {
  DEFAULT_TRUST_DOMAIN,
  TLS_OFF,
  plainTextWarning,
  tlsEnvSchema,
  toTlsSettings,
} from './tls-settings.js';
export type { TlsEnv, TlsMode, TlsSettings } from './tls-settings.js';
export { TlsMaterialSource, loadTlsMaterial } from './tls-material.js';
export { openProcessTrust } from './process-trust.js';
export type { ProcessTrust } from './process-trust.js';
export type { TlsMaterial } from './tls-material.js';
export {
  PeerIdentityError,
  authenticatePeer,
  clientTlsOptions,
  expectAgent,
  pooledClientTlsOptions,
  serverTlsOptions,
} from './tls-peer.js';
export type { PeerAuthentication } from './tls-peer.js';
