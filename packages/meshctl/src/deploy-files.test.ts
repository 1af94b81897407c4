import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolAvailable } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadArchitecture } from './architecture/load.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const deploy = join(root, 'deploy');
const arch = loadArchitecture(join(root, 'architecture.yml'));

const dockerCompose = toolAvailable('docker-compose', 'compose validation');
const promtool = toolAvailable('promtool', 'the promtool check');

const LAYERS = [
  'docker-compose.microservices.yml',
  'docker-compose.event-driven.yml',
  'docker-compose.monitoring.yml',
];
const COMBINATIONS = [
  ['docker-compose.yml'],
  ...LAYERS.map((layer) => [layer]),
  ...LAYERS.map((layer) => ['docker-compose.yml', layer]),
  ['docker-compose.yml', ...LAYERS],
];

type Service = {
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  command?: string[];
  volumes?: string[];
};

describe.skipIf(!dockerCompose)('compose files (docker-compose config -q)', () => {
  it.each(COMBINATIONS.map((files) => [files.join(' + '), files]))('%s is valid', (_name, files) => {
    const args = (files as string[]).flatMap((file) => ['-f', file]);
    const run = spawnSync('docker-compose', [...args, 'config', '-q'], {
      cwd: deploy,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

type ComposeConfig = {
  services: Record<
    string,
    Service & {
      environment?: Record<string, string>;
      volumes?: string[];
      user?: string;
      restart?: string;
    }
  >;
};

/** The merged config docker-compose itself computes for a list of files (anchors, merges and layers applied). */
function composeConfig(files: readonly string[]): ComposeConfig {
  const run = spawnSync('docker-compose', [...files.flatMap((file) => ['-f', file]), 'config'], {
    cwd: deploy,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return parse(run.stdout) as ComposeConfig;
}

const MESH_SERVICES = ['registry', ...arch.agents.map((agent) => agent.name)];
const WITH_BASE = COMBINATIONS.filter((files) => files.includes('docker-compose.yml'));

describe.skipIf(!dockerCompose)('compose runs the mesh in strict mTLS mode', () => {
  it.each(WITH_BASE.map((files) => [files.join(' + '), files]))(
    '%s: every mesh service is strict, waits for mesh-certs and mounts only its own certificate volume',
    (_name, files) => {
      const { services } = composeConfig(files as string[]);
      const certs = services['mesh-certs'];
      expect(certs?.command).toEqual(['mesh-certs']);
      expect(certs?.restart).toBe('no');
      for (const name of MESH_SERVICES) {
        const service = services[name]!;
        const env = service.environment ?? {};
        expect(env, name).toMatchObject({
          MCP_MESH_TLS_MODE: 'strict',
          MCP_MESH_TLS_CERT: '/run/mesh-tls/tls.crt',
          MCP_MESH_TLS_KEY: '/run/mesh-tls/tls.key',
          MCP_MESH_TLS_CA: '/run/mesh-tls/ca.crt',
          MCP_MESH_TRUST_DOMAIN: 'mesh.local',
          MCP_MESH_POLICY_FILE: '/app/architecture.yml',
        });
        const tlsVolumes = (service.volumes ?? []).filter((volume) => /^(tls-|mesh-pki)/.test(volume));
        expect(tlsVolumes, name).toEqual([`tls-${name}:/run/mesh-tls:ro`]);
        expect(service.depends_on?.['mesh-certs']?.condition, name).toBe('service_completed_successfully');
        expect(certs?.volumes, name).toContain(`tls-${name}:/mesh-tls/${name}:rw`);
        // Health checks ask the plain-HTTP probe listener (the image's MCP_MESH_PROBE_PORT), never TLS.
        if (name !== 'api-gateway') expect(env['HEALTHCHECK_URL'], name).toBeUndefined();
        if (name === 'registry') continue;
        expect(env['MCP_MESH_REGISTRY_URL'], name).toBe('https://registry:8000');
        // The registry accepts only an endpoint host the certificate names: the agent's name is one.
        expect(env['MCP_MESH_HTTP_HOST'], name).toBe(name);
      }
      // The CA key never leaves mesh-certs.
      for (const [name, service] of Object.entries(services))
        if (name !== 'mesh-certs')
          expect(
            (service.volumes ?? []).some((volume) => volume.startsWith('mesh-pki:')),
            name,
          ).toBe(false);
      // The gateway's public port stays plain HTTP for nginx; its mesh endpoint has a port of its own.
      expect(services['api-gateway']?.environment).toMatchObject({
        GATEWAY_PORT: '8080',
        MCP_MESH_HTTP_PORT: '8081',
        HEALTHCHECK_URL: 'http://127.0.0.1:8080/ready',
      });
      if (files.includes('docker-compose.monitoring.yml')) {
        expect(services['prometheus']?.volumes).toContain('tls-public:/etc/prometheus/mesh-tls:ro');
        expect(services['prometheus']?.depends_on?.['mesh-certs']?.condition).toBe(
          'service_completed_successfully',
        );
      }
    },
  );
});

describe('compose base file matches architecture.yml', () => {
  const compose = parse(readFileSync(join(deploy, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

  it('runs every agent with its replicas, gated on the health of what it depends on', () => {
    for (const agent of arch.agents) {
      const service = compose.services[agent.name];
      expect(service, agent.name).toBeDefined();
      expect(service!.command).toEqual([agent.name]);
      expect(service!.deploy?.replicas, agent.name).toBe(agent.replicas);
      expect(service!.healthcheck, agent.name).toBeDefined();
      for (const dependency of [...agent.depends_on, 'registry', 'postgres', 'redis']) {
        expect(service!.depends_on?.[dependency]?.condition, `${agent.name} -> ${dependency}`).toBe(
          'service_healthy',
        );
      }
    }
  });

  it('puts nginx in front of the gateway and gives every infrastructure service a healthcheck', () => {
    for (const name of ['postgres', 'redis', 'registry', 'payment-sandbox', 'smtp-sink', 'nginx']) {
      expect(compose.services[name]?.healthcheck, name).toBeDefined();
    }
    expect(compose.services['nginx']?.depends_on?.['api-gateway']?.condition).toBe('service_healthy');
    expect(readFileSync(join(deploy, 'nginx/nginx.conf'), 'utf8')).toContain('server api-gateway:8080');
  });

  it('terminates TLS at nginx with the edge certificate that mesh-certs writes (not a mesh identity)', () => {
    const nginx = compose.services['nginx']!;
    expect(nginx.volumes).toContain('tls-edge:/etc/nginx/tls:ro');
    expect(nginx.depends_on?.['mesh-certs']?.condition).toBe('service_completed_successfully');
    expect(compose.services['mesh-certs']?.volumes).toContain('tls-edge:/mesh-tls/edge');
    const conf = readFileSync(join(deploy, 'nginx/nginx.conf'), 'utf8');
    expect(conf).toMatch(/listen 443 ssl;/);
    expect(conf).toContain('ssl_certificate /etc/nginx/tls/tls.crt;');
    expect(conf).toContain('ssl_certificate_key /etc/nginx/tls/tls.key;');
  });
});

describe.skipIf(!promtool)('prometheus config', () => {
  it('passes promtool check config', () => {
    const run = spawnSync('promtool', ['check', 'config', 'prometheus/prometheus.yml'], {
      cwd: deploy,
      encoding: 'utf8',
    });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });
});

describe('prometheus scrapes the strict mesh over https', () => {
  type TlsConfig = { ca_file?: string; server_name?: string; insecure_skip_verify?: boolean };
  type ScrapeConfig = {
    job_name: string;
    scheme?: string;
    tls_config?: TlsConfig;
    dns_sd_configs?: { names: string[]; port?: number }[];
    metrics_path?: string;
    params?: Record<string, string[]>;
    static_configs?: { targets: string[] }[];
  };
  const config = parse(readFileSync(join(deploy, 'prometheus/prometheus.yml'), 'utf8')) as {
    scrape_configs: ScrapeConfig[];
  };
  const job = (name: string) => config.scrape_configs.find((scrape) => scrape.job_name === name);
  const CA = '/etc/prometheus/mesh-tls/ca.crt';

  it('scrapes the registry over https, checked against the mesh CA', () => {
    expect(job('registry')).toMatchObject({ scheme: 'https', tls_config: { ca_file: CA } });
    expect(job('registry')?.static_configs?.[0]?.targets).toEqual(['registry:8000']);
  });

  it('scrapes every agent over https with the CA and its name as the server name (the gateway on its plain public port)', () => {
    for (const agent of arch.agents) {
      const scrape = job(agent.name);
      expect(scrape?.dns_sd_configs?.[0]?.names, agent.name).toEqual([agent.name]);
      if (agent.name === 'api-gateway') {
        expect(scrape?.scheme).toBe('http');
        continue;
      }
      expect(scrape, agent.name).toMatchObject({
        scheme: 'https',
        tls_config: { ca_file: CA, server_name: agent.name },
      });
    }
    for (const scrape of config.scrape_configs)
      expect(scrape.tls_config?.insecure_skip_verify, scrape.job_name).not.toBe(true);
  });

  it("scrapes the gateway's mesh endpoint (the runtime's metrics) and the broker's Prometheus plugin", () => {
    expect(job('api-gateway-mesh')).toMatchObject({
      scheme: 'https',
      tls_config: { ca_file: CA, server_name: 'api-gateway' },
      dns_sd_configs: [{ names: ['api-gateway'], port: 8081 }],
    });
    expect(job('rabbitmq')?.dns_sd_configs?.[0]).toMatchObject({ names: ['rabbitmq'], port: 15692 });
    expect(job('rabbitmq-queues')).toMatchObject({
      metrics_path: '/metrics/detailed',
      params: { family: ['queue_coarse_metrics', 'queue_consumer_count'] },
    });
    const eventDriven = parse(readFileSync(join(deploy, 'docker-compose.event-driven.yml'), 'utf8')) as {
      services: Record<string, { volumes?: string[] }>;
    };
    expect(eventDriven.services['rabbitmq']?.volumes).toContain(
      './rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins:ro',
    );
    expect(readFileSync(join(deploy, 'rabbitmq/enabled_plugins'), 'utf8')).toContain('rabbitmq_prometheus');
  });
});

describe('monitoring and helm files', () => {
  it('provisions a Grafana dashboard whose panels all query Prometheus', () => {
    const dashboard = JSON.parse(
      readFileSync(join(deploy, 'grafana/dashboards/agent-mesh.json'), 'utf8'),
    ) as {
      panels: { title: string; type: string; datasource: { type: string }; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.length).toBeGreaterThan(4);
    // What each expression reads is checked against the sources in monitoring-files.test.ts; rows only group.
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(panel.datasource.type, panel.title).toBe('prometheus');
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
  });

  // src/helm/chart-agents.test.ts holds the chart's agents to architecture.yml.
  it('has a helm chart whose templates balance their actions', () => {
    const chartDir = join(deploy, 'helm/agent-mesh');
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
      apiVersion: string;
      name: string;
    };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'agent-mesh' });
    for (const file of readdirSync(join(chartDir, 'templates'))) {
      const text = readFileSync(join(chartDir, 'templates', file), 'utf8');
      expect(text.split('{{').length, file).toBe(text.split('}}').length);
      const opens = (text.match(/\{\{-?\s*(if|range|define|with)\b/g) ?? []).length;
      const ends = (text.match(/\{\{-?\s*end\b/g) ?? []).length;
      expect(ends, file).toBe(opens);
    }
  });
});

describe('helm chart runs the mesh in strict mTLS mode', () => {
  const chartDir = join(deploy, 'helm/agent-mesh');
  const template = (file: string) => readFileSync(join(chartDir, 'templates', file), 'utf8');
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
    tls: { mode: string; trustDomain: string; certManager: { issuer: string }; clusterDomain: string };
  };

  it('is strict by default with the mesh trust domain', () => {
    expect(values.tls).toMatchObject({
      mode: 'strict',
      trustDomain: 'mesh.local',
      certManager: { issuer: '' },
    });
  });

  it('gives the registry and every agent the strict env, its own Secret and HTTPS probes', () => {
    const helpers = template('_helpers.tpl');
    for (const line of [
      'value: strict',
      'MCP_MESH_TLS_CERT',
      'value: /run/mesh-tls/tls.crt',
      'value: /run/mesh-tls/tls.key',
      'value: /run/mesh-tls/ca.crt',
      'value: {{ .Values.tls.trustDomain | quote }}',
      'value: /app/architecture.yml',
    ])
      expect(helpers).toContain(line);
    const agents = template('agents.yaml');
    const registry = template('registry.yaml');
    for (const [file, text] of [
      ['agents.yaml', agents],
      ['registry.yaml', registry],
    ] as const) {
      expect(text, file).toMatch(/include "agent-mesh\.tlsEnv"/);
      expect(text, file).toMatch(/secretName: \{\{ include "agent-mesh\.tlsSecret"/);
      expect(text, file).toContain('mountPath: /run/mesh-tls');
      expect(text, file).toContain('readOnly: true');
      expect(text, file).toMatch(/readinessProbe:\n\s+httpGet: \{ path: \/\w+, port: http, scheme: /);
      expect(text, file).toMatch(/livenessProbe:\n\s+httpGet: \{ path: \/\w+, port: http, scheme: /);
    }
    expect(registry).toContain('"HTTPS" "HTTP"');
    expect(agents).toContain('$probeScheme := ternary "HTTPS" "HTTP"');
    expect(agents).toContain('{{ ternary "https" "http" (eq $strict "true") }}://registry:8000');
    // Pods advertise a per-pod name under the headless Service, which the certificate wildcard names.
    expect(agents).toContain('name: MESH_POD_DNS_SUFFIX');
    expect(agents).toContain('clusterIP: None');
    expect(helpers).toContain(
      '{{ .name }}-pods.{{ .root.Release.Namespace }}.svc.{{ .root.Values.tls.clusterDomain }}',
    );
  });

  it('renders cert-manager Certificates with the SPIFFE URI, Service names and both usages when cert-manager is there', () => {
    const certificates = template('certificates.yaml');
    const helpers = template('_helpers.tpl');
    expect(helpers).toContain('.Capabilities.APIVersions.Has "cert-manager.io/v1"');
    expect(helpers).toContain('.Values.tls.certManager.issuer');
    expect(certificates).toMatch(/^\{\{- if include "agent-mesh\.certManager" \. \}\}/m);
    expect(certificates).toContain('kind: Certificate');
    expect(certificates).toContain('- spiffe://{{ $root.Values.tls.trustDomain }}/agent/{{ $name }}');
    expect(certificates).toContain('- spiffe://{{ .Values.tls.trustDomain }}/operator/meshctl');
    expect(certificates).toMatch(/usages:\n\s+- server auth\n\s+- client auth/);
    expect(certificates).toContain('- {{ $name }}.{{ $ns }}.svc.{{ $cd }}');
    expect(certificates).toContain(`'*.{{ include "agent-mesh.podDomain"`);
    expect(certificates).toContain('secretName: {{ include "agent-mesh.tlsSecret" $name }}');
  });

  it('otherwise runs a pre-install/pre-upgrade Job that may only touch Secrets and issues per-workload names', () => {
    const hook = template('tls-hook.yaml');
    expect(hook).toMatch(
      /^\{\{- if and \(include "agent-mesh\.strict" \.\) \(not \(include "agent-mesh\.certManager" \.\)\) \}\}/m,
    );
    for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'Job'])
      expect(hook).toContain(`kind: ${kind}\n`);
    expect(hook.match(/helm\.sh\/hook: pre-install,pre-upgrade/g)).toHaveLength(4);
    expect(hook).toContain("resources: ['secrets']");
    expect(hook).toMatch(/verbs: \[[^\]]*'create'[^\]]*'patch'[^\]]*\]/);
    expect(hook).toContain('serviceAccountName: mesh-tls-issuer');
    expect(hook).toContain('- tls-secrets');
    expect(hook).toContain('*.{name}-pods.{{ $ns }}.svc.{{ $cd }}');
    expect(readFileSync(join(deploy, 'docker/entrypoint.sh'), 'utf8')).toContain(
      'exec node /app/deploy/docker/tls-secrets.mjs',
    );
    expect(readFileSync(join(deploy, 'Dockerfile'), 'utf8')).toContain('deploy/docker/tls-secrets.mjs');
  });
});

// Rendering needs the helm binary (CI builds it: deploy/helm/install-helm.sh); elsewhere the textual checks
// above still hold the chart to strict mode.
const helm = toolAvailable('helm', 'helm template rendering');
describe.skipIf(!helm)('helm template renders both certificate branches', () => {
  type Doc = {
    kind: string;
    metadata: { name: string };
    spec?: {
      uris?: string[];
      template?: {
        spec: {
          containers: {
            env?: { name: string; value?: string }[];
            readinessProbe?: { httpGet: { scheme?: string } };
          }[];
          volumes?: { secret?: { secretName: string } }[];
        };
      };
    };
  };
  const render = (...args: string[]): Doc[] => {
    const run = spawnSync('helm', ['template', 'mesh', 'helm/agent-mesh', '-n', 'mesh', ...args], {
      cwd: deploy,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    return parseAllDocuments(run.stdout)
      .map((doc) => doc.toJS() as Doc | null)
      .filter((doc): doc is Doc => doc !== null);
  };
  const workloads = ['registry', ...arch.agents.map((agent) => agent.name)];

  it.each([
    ['cert-manager', ['--api-versions', 'cert-manager.io/v1', '--set', 'tls.certManager.issuer=mesh-ca']],
    ['hook Job', []],
  ])('%s: every Deployment is strict and mounts its own Secret', (branch, args) => {
    const docs = render(...args);
    const certificates = docs.filter((doc) => doc.kind === 'Certificate');
    const jobs = docs.filter((doc) => doc.kind === 'Job');
    if (branch === 'cert-manager') {
      expect(certificates.map((doc) => doc.spec?.uris?.[0]).sort()).toEqual(
        [
          'spiffe://mesh.local/operator/meshctl',
          ...workloads.map((name) => `spiffe://mesh.local/agent/${name}`),
        ].sort(),
      );
      expect(jobs).toEqual([]);
    } else {
      expect(certificates).toEqual([]);
      expect(jobs.map((job) => job.metadata.name)).toEqual(['mesh-tls-issuer']);
    }
    for (const name of workloads) {
      const deployment = docs.find((doc) => doc.kind === 'Deployment' && doc.metadata.name === name);
      const pod = deployment?.spec?.template?.spec;
      const env = Object.fromEntries((pod?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
      expect(env['MCP_MESH_TLS_MODE'], name).toBe('strict');
      expect(env['MCP_MESH_POLICY_FILE'], name).toBe('/app/architecture.yml');
      expect(pod?.volumes?.[0]?.secret?.secretName, name).toBe(`mesh-tls-${name}`);
      expect(pod?.containers[0]?.readinessProbe?.httpGet.scheme, name).toBe(
        name === 'api-gateway' ? 'HTTP' : 'HTTPS',
      );
    }
  });
});
