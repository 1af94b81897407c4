/** Public API of @mesh/common. Anything exported here is public; nothing else is. */
export { MeshError, isMeshError, toMeshError } from './mesh-error.js';
export type { MeshErrorCode, MeshErrorOptions } from './mesh-error.js';
export { httpStatusForCode } from './http-status.js';
export { validateEach, validateInput } from './validate-input.js';
export type { RejectedItem } from './validate-input.js';
export { readBody, readJsonBody, sendJson, sendError } from './http-json.js';
export type { ErrorBody, ReadJsonOptions } from './http-json.js';
export { createLogger, silentLogger, parseLogLevel } from './logger.js';
export type { Logger, LogLevel, CreateLoggerOptions } from './logger.js';
export { withLogContext, currentLogContext } from './log-context.js';
export {
  parseDurationMs,
  envDurationMs,
  envOptionalDurationMs,
  envInt,
  envOptionalInt,
  envBool,
  envUrl,
  resolveSecretFiles,
  parseEnvConfig,
  envLogLevel,
} from './env.js';
export type { Env } from './env.js';
export { parseTraceparent, formatTraceparent, newTraceContext, childTraceContext } from './trace-context.js';
export type { TraceContext } from './trace-context.js';
export { isProcessAlive } from './process-alive.js';
export { httpRequest, httpResponse } from './http-request.js';
export type { HttpExchange, HttpRequestOptions } from './http-request.js';
export { freePort, portIsFree } from './ports.js';
export { metricsIn } from './metric-factory.js';
export { EVENT_LOOP_SAMPLE_MS, collectProcessMetrics } from './process-metrics.js';
export type { HistogramSettings, MetricFactory } from './metric-factory.js';
export { captureLog } from './log-capture.js';
export type { CapturedLog } from './log-capture.js';
export { OutboundBatcher } from './outbound-batcher.js';
export type { OutboundBatcherOptions } from './outbound-batcher.js';
