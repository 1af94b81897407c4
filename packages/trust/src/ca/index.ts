/** Public API of @mesh/trust/ca: the mesh CA and certificate issuing (loads the X.509 library; not for hot paths). */
export { createCa, issueLeaf } from './certificates.js';
export type { IssuedPair, LeafRequest } from './certificates.js';
export { caFileOf, initMeshTls, workloadEnv, workloadFiles } from './mesh-tls-dir.js';
export type { InitMeshTlsOptions, InitMeshTlsResult, Workload, WorkloadFiles } from './mesh-tls-dir.js';
export { initEdgeTls } from './edge-tls.js';
export type { InitEdgeTlsOptions, InitEdgeTlsResult } from './edge-tls.js';
