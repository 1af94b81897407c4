/** Public API of @mesh/telemetry. Anything exported here is public; nothing else is. */
export { otelEnvShape, toTelemetrySettings } from './otel-env.js';
export type { OtelEnv } from './otel-env.js';
export { defaultTelemetrySettings, serviceNameFor } from './telemetry-settings.js';
export type { OtlpProtocol, SamplerName, TelemetrySettings } from './telemetry-settings.js';
export { startTelemetry } from './start-telemetry.js';
export type { ServiceIdentity, StartTelemetryOptions, Telemetry } from './start-telemetry.js';
export { markSpanFailed, toSpanContext, traceContextOf } from './span-bridge.js';
