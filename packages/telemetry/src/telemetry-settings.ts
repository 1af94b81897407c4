/** How spans travel to the collector. gRPC is not offered: OTLP over HTTP needs no extra stack. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** The samplers of OTEL_TRACES_SAMPLER that the mesh supports. */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** Span export, as the OTEL_* variables configure it (see otelEnvShape). Present = export on. */
export interface TelemetrySettings {
  /** Where spans are POSTed (the collector's `/v1/traces`). */
  tracesUrl: string;
  protocol: OtlpProtocol;
  /** Sent with every export request (an API key, a tenant). Never logged. */
  headers: Record<string, string>;
  timeoutMs: number;
  sampler: { name: SamplerName; ratio: number };
  /** OTEL_SERVICE_NAME: wins over the agent's name and the prefix. */
  serviceName?: string;
  /** OTEL_SERVICE_NAME_PREFIX: the default service name is `<prefix>-<agent name>`. */
  serviceNamePrefix?: string;
  /** OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes: Record<string, string>;
}

/** The settings export runs with when only an endpoint is given (tests, embedding). */
export function defaultTelemetrySettings(endpoint: string): TelemetrySettings {
  return {
    tracesUrl: `${endpoint.replace(/\/+$/, '')}/v1/traces`,
    protocol: 'http/protobuf',
    headers: {},
    timeoutMs: 10_000,
    sampler: { name: 'parentbased_always_on', ratio: 1 },
    resourceAttributes: {},
  };
}

/**
 * The service name spans are exported under: OTEL_SERVICE_NAME, else `service.name` from
 * OTEL_RESOURCE_ATTRIBUTES, else the agent's own name, after OTEL_SERVICE_NAME_PREFIX and a dash when set.
 */
export function serviceNameFor(settings: TelemetrySettings, agentName: string): string {
  if (settings.serviceName !== undefined) return settings.serviceName;
  const fromResource = settings.resourceAttributes['service.name'];
  if (fromResource !== undefined && fromResource !== '') return fromResource;
  return settings.serviceNamePrefix === undefined ? agentName : `${settings.serviceNamePrefix}-${agentName}`;
}
