import type { Architecture } from '../architecture/load.js';

/**
 * The host ports a Docker mesh publishes. The ones a local start also serves (registry, gateway, SMTP sink,
 * payment sandbox) take the same numbers from architecture.yml, so URLs, the README's curl and the load test
 * work the same in both modes; all move together by MESH_PORT_OFFSET.
 */
export interface PublishedPorts {
  readonly gateway: number;
  readonly registry: number;
  readonly smtpSink: number;
  readonly paymentSandbox: number;
  /** nginx: plain HTTP and TLS (the edge certificate). */
  readonly http: number;
  readonly https: number;
  /** Layers: event-driven (RabbitMQ's management UI) and monitoring. */
  readonly rabbitmqManagement: number;
  readonly prometheus: number;
  readonly alertmanager: number;
  readonly grafana: number;
  readonly jaegerUi: number;
  readonly otlpGrpc: number;
  readonly otlpHttp: number;
}

/** The variable each port reaches the compose files through (`${MESH_GATEWAY_PORT:-8080}`…). */
export const PORT_VARIABLES: Readonly<Record<keyof PublishedPorts, string>> = {
  gateway: 'MESH_GATEWAY_PORT',
  registry: 'MESH_REGISTRY_PORT',
  smtpSink: 'MESH_SMTP_SINK_PORT',
  paymentSandbox: 'MESH_PAYMENT_SANDBOX_PORT',
  http: 'MESH_HTTP_PORT',
  https: 'MESH_HTTPS_PORT',
  rabbitmqManagement: 'MESH_RABBITMQ_UI_PORT',
  prometheus: 'MESH_PROMETHEUS_PORT',
  alertmanager: 'MESH_ALERTMANAGER_PORT',
  grafana: 'MESH_GRAFANA_PORT',
  jaegerUi: 'MESH_JAEGER_UI_PORT',
  otlpGrpc: 'MESH_OTLP_GRPC_PORT',
  otlpHttp: 'MESH_OTLP_HTTP_PORT',
};

/** The interface published ports bind to (MESH_PUBLISH_HOST): loopback unless asked to open them up. */
export const PUBLISH_HOST_VARIABLE = 'MESH_PUBLISH_HOST';
export const DEFAULT_PUBLISH_HOST = '127.0.0.1';

/** The ports of the architecture's mesh, shifted by `offset` (MESH_PORT_OFFSET). */
export function publishedPorts(arch: Architecture, offset: number): PublishedPorts {
  const infraPort = (name: string, fallback: number): number =>
    arch.infrastructure.find((entry) => entry.name === name)?.ports['main'] ?? fallback;
  const gateway = arch.agents.find((agent) => agent.tier === 'edge' && agent.port !== undefined)?.port;
  const base: PublishedPorts = {
    gateway: gateway ?? 8080,
    registry: arch.registry.port,
    smtpSink: infraPort('smtp-sink', 8025),
    paymentSandbox: infraPort('payment-sandbox', 8090),
    http: 80,
    https: 443,
    rabbitmqManagement: 15672,
    prometheus: 9090,
    alertmanager: 9093,
    grafana: 3000,
    jaegerUi: 16686,
    otlpGrpc: 4317,
    otlpHttp: 4318,
  };
  return Object.fromEntries(
    Object.entries(base).map(([key, port]) => [key, port + offset]),
  ) as unknown as PublishedPorts;
}

/** The variables compose interpolates the `ports:` entries with. */
export function publishEnv(ports: PublishedPorts, host: string): Record<string, string> {
  const env: Record<string, string> = { [PUBLISH_HOST_VARIABLE]: host };
  for (const [key, variable] of Object.entries(PORT_VARIABLES))
    env[variable] = String(ports[key as keyof PublishedPorts]);
  return env;
}

/** The host part of a URL that reaches a port published on `host` from this machine. */
export function reachableHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
