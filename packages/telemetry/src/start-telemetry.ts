import { createRequire, syncBuiltinESMExports } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { TelemetrySettings } from './telemetry-settings.js';
import { serviceNameFor } from './telemetry-settings.js';

/** Who exports: the resource every span carries. */
export interface ServiceIdentity {
  /** The agent's (or the registry's) own name; the service name derives from it (see serviceNameFor). */
  name: string;
  version?: string;
  /** One replica: the agent id. */
  instanceId?: string;
}

export interface StartTelemetryOptions {
  /**
   * Patch `pg`, outbound `node:http(s)` and `fetch` so their calls become client spans of the active span
   * (default true). Process-wide: the first start patches, the last shutdown unpatches.
   */
  instrument?: boolean;
}

/** Span export while it runs: the provider to start spans with, and how to flush and stop. */
export interface Telemetry {
  readonly provider: TracerProvider;
  readonly serviceName: string;
  shutdown(): Promise<void>;
}

/** The request header the runtime's MCP client sends: those calls have client spans of their own already. */
const MESH_CALL_HEADER = 'x-mesh-caller';

let users = 0;
let instrumentations: Instrumentation[] = [];

function isMeshCall(headers: unknown): boolean {
  return (
    typeof headers === 'object' && headers !== null && !Array.isArray(headers) && MESH_CALL_HEADER in headers
  );
}

async function sampler(settings: TelemetrySettings): Promise<Sampler> {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } =
    await import('@opentelemetry/sdk-trace-base');
  const { name, ratio } = settings.sampler;
  const root =
    name === 'always_off' || name === 'parentbased_always_off'
      ? new AlwaysOffSampler()
      : name === 'traceidratio' || name === 'parentbased_traceidratio'
        ? new TraceIdRatioBasedSampler(ratio)
        : new AlwaysOnSampler();
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

async function exporterFor(settings: TelemetrySettings) {
  const config = { url: settings.tracesUrl, headers: settings.headers, timeoutMillis: settings.timeoutMs };
  if (settings.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(config);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(config);
}

/**
 * Patches pg, node:http(s) and fetch. The modules are loaded already (ES module imports do not pass through
 * the require hook the instrumentations install), so each is required once more here: the hook patches the
 * shared module object, which every importer holds. Outbound HTTP spans are made only under a span (no span per
 * registry heartbeat) and never for the runtime's own mesh calls; incoming requests have the runtime's spans.
 */
async function instrument(provider: TracerProvider): Promise<Instrumentation[]> {
  const [{ HttpInstrumentation }, { UndiciInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-pg'),
  ]);
  const enabled: Instrumentation[] = [
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: true,
      requireParentforOutgoingSpans: true,
      ignoreOutgoingRequestHook: (request) => isMeshCall(request.headers),
    }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new PgInstrumentation({ requireParentSpan: true }),
  ];
  for (const instrumentation of enabled) {
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
  }
  const require = createRequire(import.meta.url);
  for (const name of ['node:http', 'node:https', 'pg']) {
    try {
      require(name);
    } catch {
      // pg is absent where no agent uses it: nothing to patch.
    }
  }
  syncBuiltinESMExports();
  return enabled;
}

/**
 * Starts exporting spans: a tracer provider with the sampler and OTLP/HTTP exporter the settings ask for,
 * registered globally with an AsyncLocalStorage context manager (so a span made active stays active across
 * awaits) and the W3C trace-context propagator, plus the pg/HTTP/fetch instrumentations. The SDK is loaded
 * here, only when export is on.
 */
export async function startTelemetry(
  settings: TelemetrySettings,
  identity: ServiceIdentity,
  options: StartTelemetryOptions = {},
): Promise<Telemetry> {
  const [
    { BasicTracerProvider, BatchSpanProcessor },
    { resourceFromAttributes },
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
  ]);
  const serviceName = serviceNameFor(settings, identity.name);
  const attributes: Record<string, string> = { ...settings.resourceAttributes, 'service.name': serviceName };
  if (identity.version !== undefined) attributes['service.version'] = identity.version;
  if (identity.instanceId !== undefined) attributes['service.instance.id'] = identity.instanceId;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(attributes),
    sampler: await sampler(settings),
    spanProcessors: [new BatchSpanProcessor(await exporterFor(settings))],
  });
  users += 1;
  // Process-wide registrations happen once; a second agent in the same process (tests) shares them.
  if (users === 1) {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    if (options.instrument !== false) instrumentations = await instrument(provider);
  }
  let stopped = false;
  return {
    provider,
    serviceName,
    async shutdown() {
      if (stopped) return;
      stopped = true;
      await provider.shutdown();
      users -= 1;
      if (users === 0) {
        for (const instrumentation of instrumentations) instrumentation.disable();
        instrumentations = [];
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}
