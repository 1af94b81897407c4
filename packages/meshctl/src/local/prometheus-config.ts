import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_IDENTITY_NAME } from '@mesh/trust';
import { caFileOf, workloadFiles } from '@mesh/trust/ca';
import { stringify } from 'yaml';
import type { MeshState } from './state.js';

/** The port of RabbitMQ's rabbitmq_prometheus plugin. */
const RABBITMQ_METRICS_PORT = 15692;

/** The broker's per-queue series (depth, consumers) come from its detailed endpoint, these families only. */
const RABBITMQ_QUEUE_FAMILIES = ['queue_coarse_metrics', 'queue_consumer_count'];

export interface PrometheusConfigOptions {
  /** The repository root: the alert rules are read from deploy/prometheus/alerts.yml there. */
  root: string;
  /** RABBITMQ_URL of the running system, if any: its broker is scraped too. */
  rabbitmqUrl?: string | undefined;
  /** Where the broker's Prometheus plugin answers (default: the AMQP host, port 15692). */
  rabbitmqMetricsUrl?: string | undefined;
  scrapeInterval?: string;
}

type ScrapeConfig = Record<string, unknown>;

function hostPort(url: string): string {
  return new URL(url).host;
}

/** The broker's metrics endpoint: given, or the AMQP URL's host on the plugin's port. */
function rabbitmqMetricsTarget(options: PrometheusConfigOptions): string | undefined {
  if (options.rabbitmqMetricsUrl) return hostPort(options.rabbitmqMetricsUrl);
  if (!options.rabbitmqUrl) return undefined;
  return `${new URL(options.rabbitmqUrl).hostname}:${RABBITMQ_METRICS_PORT}`;
}

/**
 * A Prometheus configuration for a locally started system. Agents listen on random ports, so they are found
 * through the registry's HTTP service discovery (`/v1/sd/prometheus`: every healthy replica with its agent name,
 * and the scheme it serves); in a strict mesh the discovery request carries the operator certificate (the
 * registry lists the topology only to mesh identities) and every scrape checks the agent's certificate against
 * the mesh CA (local certificates name 127.0.0.1, where agents listen). The registry and the gateway's public
 * port (its `gateway_*` metrics) are static targets; the broker too when the system uses RabbitMQ. Every
 * target but the registry and the broker is job="agents", as in the compose file, so dashboards and alerts
 * read the same labels everywhere.
 */
export function prometheusConfig(
  state: MeshState,
  options: PrometheusConfigOptions,
): Record<string, unknown> {
  const interval = options.scrapeInterval ?? '10s';
  const tlsDir = state.tls?.dir;
  const caFile = tlsDir === undefined ? undefined : caFileOf(tlsDir);
  const serverTls = caFile === undefined ? {} : { scheme: 'https', tls_config: { ca_file: caFile } };
  const operator =
    tlsDir === undefined || state.tls === undefined
      ? undefined
      : workloadFiles(tlsDir, {
          trustDomain: state.tls.trustDomain,
          kind: 'operator',
          name: OPERATOR_IDENTITY_NAME,
        });

  const scrapeConfigs: ScrapeConfig[] = [
    {
      job_name: 'registry',
      ...serverTls,
      static_configs: [{ targets: [hostPort(state.registryUrl)] }],
    },
    {
      job_name: 'agents',
      // The runtime labels its series with agent and agent_id itself; the same values as the discovery's.
      honor_labels: true,
      http_sd_configs: [
        {
          url: `${state.registryUrl}/v1/sd/prometheus`,
          refresh_interval: '5s',
          ...(caFile === undefined || operator === undefined
            ? {}
            : { tls_config: { ca_file: caFile, cert_file: operator.cert, key_file: operator.key } }),
        },
      ],
      ...(caFile === undefined ? {} : { tls_config: { ca_file: caFile } }),
    },
  ];
  const gateways = state.processes.filter((p) => p.name === 'api-gateway' && p.url !== undefined);
  if (gateways.length > 0) {
    scrapeConfigs.push({
      job_name: 'api-gateway',
      static_configs: [{ targets: gateways.map((p) => hostPort(p.url!)), labels: { agent: 'api-gateway' } }],
      relabel_configs: [{ target_label: 'job', replacement: 'agents' }],
    });
  }
  const broker = rabbitmqMetricsTarget(options);
  if (broker !== undefined) {
    scrapeConfigs.push(
      { job_name: 'rabbitmq', static_configs: [{ targets: [broker] }] },
      {
        job_name: 'rabbitmq-queues',
        metrics_path: '/metrics/detailed',
        params: { family: RABBITMQ_QUEUE_FAMILIES },
        static_configs: [{ targets: [broker] }],
      },
    );
  }
  return {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: [join(options.root, 'deploy/prometheus/alerts.yml')],
    scrape_configs: scrapeConfigs,
  };
}

const HEADER = `# Written by meshctl at every local start: Prometheus scraping this system (every replica through the
# registry's service discovery, the gateway, the registry, the broker) with the alert rules of the repository.
#   prometheus --config.file=<this file> --storage.tsdb.path=<a data dir> --web.listen-address=127.0.0.1:9090 \\
#     --enable-feature=exemplar-storage
`;

/** Writes `<home>/prometheus.yml` (atomically) and returns its path. */
export function writePrometheusConfig(
  home: string,
  state: MeshState,
  options: PrometheusConfigOptions,
): string {
  mkdirSync(home, { recursive: true });
  const file = join(home, 'prometheus.yml');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, HEADER + stringify(prometheusConfig(state, options)), { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}
