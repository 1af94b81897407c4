/** Public API of @mesh/testkit (test-only helpers). */
export { realServerUrl } from './real-servers.js';
export type { RealServer } from './real-servers.js';
export { skipOrFailInCi } from './skip-or-fail.js';
export type { MissingPrerequisite } from './skip-or-fail.js';
export { freePort } from './ports.js';
export { waitFor, waitForHttp } from './wait-for.js';
export type { WaitOptions } from './wait-for.js';
export { startProcess, startNode, stopAllProcesses } from './child-process.js';
export type { StartedProcess, StartProcessOptions } from './child-process.js';
export { waitForAgentUrl } from './agent-process.js';
export { startRegistryProcess, registryMainPath } from './registry-process.js';
export type { RegistryProcess, StartRegistryOptions } from './registry-process.js';
export { officialMeshBinary } from './official-mesh.js';
export { cpuTicks, pidsNamed, settleProcesses } from './settle.js';
export type { OfficialBinary } from './official-mesh.js';
export { createTestDatabase, dropDatabase } from './postgres-database.js';
export type { TestDatabase } from './postgres-database.js';
