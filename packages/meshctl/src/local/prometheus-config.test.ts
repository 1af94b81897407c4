import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolAvailable } from '@mesh/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prometheusConfig, writePrometheusConfig } from './prometheus-config.js';
import type { MeshState, ProcessRecord } from './state.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

function record(name: string, url: string, kind: ProcessRecord['kind'] = 'agent'): ProcessRecord {
  return { name, kind, replica: 1, pid: 1, url, log: '', args: [], env: {}, startedAt: '' };
}

function state(strict: boolean): MeshState {
  const scheme = strict ? 'https' : 'http';
  return {
    version: 1,
    mode: 'local',
    root,
    startedAt: '',
    registryUrl: `${scheme}://127.0.0.1:31000`,
    gatewayUrl: 'http://127.0.0.1:31080',
    ...(strict ? { tls: { dir: '/home/u/.mesh/tls', trustDomain: 'mesh.local' } } : {}),
    processes: [
      record('registry', `${scheme}://127.0.0.1:31000`, 'registry'),
      record('order-agent', `${scheme}://127.0.0.1:45785`),
      record('api-gateway', 'http://127.0.0.1:31080'),
    ],
  };
}

type Scrape = Record<string, unknown> & { job_name: string };
const jobs = (config: Record<string, unknown>) =>
  Object.fromEntries((config['scrape_configs'] as Scrape[]).map((job) => [job.job_name, job]));

describe('the Prometheus configuration of a local start', () => {
  it('finds every replica through the registry, with the operator certificate and the mesh CA in a strict mesh', () => {
    const config = prometheusConfig(state(true), { root });
    const { registry, agents, 'api-gateway': gateway } = jobs(config);
    expect(registry).toEqual({
      job_name: 'registry',
      scheme: 'https',
      tls_config: { ca_file: '/home/u/.mesh/tls/ca.crt' },
      static_configs: [{ targets: ['127.0.0.1:31000'] }],
    });
    expect(agents).toEqual({
      job_name: 'agents',
      honor_labels: true,
      http_sd_configs: [
        {
          url: 'https://127.0.0.1:31000/v1/sd/prometheus',
          refresh_interval: '5s',
          tls_config: {
            ca_file: '/home/u/.mesh/tls/ca.crt',
            cert_file: '/home/u/.mesh/tls/operator/meshctl.crt',
            key_file: '/home/u/.mesh/tls/operator/meshctl.key',
          },
        },
      ],
      tls_config: { ca_file: '/home/u/.mesh/tls/ca.crt' },
    });
    // The gateway's public port serves gateway_*; it joins job="agents" as in the compose configuration.
    expect(gateway).toMatchObject({
      static_configs: [{ targets: ['127.0.0.1:31080'], labels: { agent: 'api-gateway' } }],
      relabel_configs: [{ target_label: 'job', replacement: 'agents' }],
    });
    expect(config['rule_files']).toEqual([join(root, 'deploy/prometheus/alerts.yml')]);
  });

  it('scrapes plain HTTP without certificates when mTLS is off', () => {
    const { registry, agents } = jobs(prometheusConfig(state(false), { root }));
    expect(registry).not.toHaveProperty('scheme');
    expect(agents).not.toHaveProperty('tls_config');
    expect(agents?.['http_sd_configs']).toEqual([
      { url: 'http://127.0.0.1:31000/v1/sd/prometheus', refresh_interval: '5s' },
    ]);
  });

  it("scrapes the broker's Prometheus plugin when the system uses RabbitMQ", () => {
    expect(jobs(prometheusConfig(state(true), { root }))).not.toHaveProperty('rabbitmq');
    const derived = jobs(prometheusConfig(state(true), { root, rabbitmqUrl: 'amqp://u:p@broker.test:5672' }));
    expect(derived['rabbitmq']).toEqual({
      job_name: 'rabbitmq',
      static_configs: [{ targets: ['broker.test:15692'] }],
    });
    expect(derived['rabbitmq-queues']).toEqual({
      job_name: 'rabbitmq-queues',
      metrics_path: '/metrics/detailed',
      params: { family: ['queue_coarse_metrics', 'queue_consumer_count'] },
      static_configs: [{ targets: ['broker.test:15692'] }],
    });
    const given = jobs(
      prometheusConfig(state(true), {
        root,
        rabbitmqUrl: 'amqp://u:p@broker.test:5672',
        rabbitmqMetricsUrl: 'http://127.0.0.1:25692',
      }),
    );
    expect(given['rabbitmq']?.['static_configs']).toEqual([{ targets: ['127.0.0.1:25692'] }]);
  });

  const promtool = toolAvailable('promtool', 'the local Prometheus configuration check');

  it.skipIf(!promtool)('writes <home>/prometheus.yml, which promtool accepts', () => {
    const home = mkdtempSync(join(tmpdir(), 'meshctl-prometheus-'));
    homes.push(home);
    const file = writePrometheusConfig(home, state(false), { root, rabbitmqUrl: 'amqp://127.0.0.1:5672' });
    expect(file).toBe(join(home, 'prometheus.yml'));
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# Written by meshctl')).toBe(true);
    expect(parse(text)).toEqual(
      prometheusConfig(state(false), { root, rabbitmqUrl: 'amqp://127.0.0.1:5672' }),
    );
    const run = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});
