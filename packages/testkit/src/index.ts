/** Public API of @mesh/testkit (test-only helpers). */
export { realServerUrl } from './real-servers.js';
export type { RealServer } from './real-servers.js';
export { skipOrFailInCi } from './skip-or-fail.js';
export type { MissingPrerequisite } from './skip-or-fail.js';
export { freePort } from './ports.js';
export { startTcpForwarder } from './tcp-forwarder.js';
export type { TcpForwarder } from './tcp-forwarder.js';
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
export { createTestPki } from './test-pki.js';
export type { TestPki } from './test-pki.js';
export { startOtlpReceiver } from './otlp-receiver.js';
export type { CollectedSpan, OtlpReceiver } from './otlp-receiver.js';
export {
  BROKER_SERIES,
  PENDING_EVENT_BUS_OUTCOMES,
  PENDING_EVENT_BUS_SERIES,
  metricNamesIn,
} from './monitoring-series.js';
