import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { checkDeployFiles } from './deploy-check.js';

const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const arch = loadArchitecture(join(repo, 'architecture.yml'), 'architecture.yml');
const scratch = mkdtempSync(join(tmpdir(), 'deploy-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let copies = 0;
/** A copy of the repository's deploy files with some changed; the deploy check's messages on it. */
function problemsWith(changes: Record<string, (text: string) => string>): string[] {
  const root = join(scratch, String((copies += 1)));
  cpSync(join(repo, 'deploy'), join(root, 'deploy'), { recursive: true });
  for (const [path, change] of Object.entries(changes)) {
    const file = join(root, path);
    const before = readFileSync(file, 'utf8');
    const after = change(before);
    expect(after, `the change to ${path} applies`).not.toBe(before);
    writeFileSync(file, after);
  }
  return checkDeployFiles(arch, root).problems.map((p) => `${p.location}: ${p.message}`);
}

/** The text with `from` replaced once (it must occur). */
const swap =
  (from: string | RegExp, to: string) =>
  (text: string): string =>
    text.replace(from, to);

describe('checkDeployFiles', () => {
  it('finds the repository deploy files in agreement with architecture.yml', () => {
    const check = checkDeployFiles(arch, repo);
    expect(check.problems).toEqual([]);
    expect(check.files).toEqual([
      'deploy/docker-compose.yml',
      'deploy/docker-compose.microservices.yml',
      'deploy/docker-compose.monitoring.yml',
      'deploy/docker-compose.event-driven.yml',
      'deploy/helm/agent-mesh/values.yaml',
      'deploy/prometheus/prometheus.yml',
    ]);
  });

  it('names a layer that runs other replicas than the profile of its name', () => {
    const problems = problemsWith({
      'deploy/docker-compose.microservices.yml': swap(/(product-agent:[\s\S]*?replicas: )3/, '$14'),
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^deploy\/docker-compose\.microservices\.yml:\d+:\d+: product-agent: deploy\/docker-compose\.microservices\.yml runs 4 replica\(s\) over the base file, profile microservices of architecture\.yml 3$/,
      ),
    ]);
  });

  it('names a variable the profile sets and its layer does not', () => {
    const problems = problemsWith({
      'deploy/docker-compose.microservices.yml': swap(/\n\s+RATE_LIMIT: [^\n]+/, '\n      OTHER: x'),
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /api-gateway: profile microservices of architecture\.yml sets RATE_LIMIT, deploy\/docker-compose\.microservices\.yml does not$/,
      ),
    ]);
  });

  it('checks nothing in a tree without deploy files', () => {
    expect(checkDeployFiles(arch, scratch)).toEqual({ files: [], problems: [] });
  });

  it('names a compose replica count that differs from architecture.yml, where it is', () => {
    const problems = problemsWith({
      'deploy/docker-compose.yml': swap(/(user-agent:[\s\S]*?replicas: )3/, '$12'),
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^deploy\/docker-compose\.yml:\d+:\d+: user-agent: deploy\/docker-compose\.yml has replicas 2, architecture\.yml has 3$/,
    );
  });

  it('names an agent without a service, a missing startup dependency and an undeclared agent service', () => {
    const problems = problemsWith({
      'deploy/docker-compose.yml': (text) =>
        text
          .replace(/\n {2}inventory-agent:\n[\s\S]*?replicas: 1\n/, '\n')
          .replace(/(order-agent:[\s\S]*?)\n {6}payment-agent:\n {8}condition: service_healthy/, '$1')
          .replace(
            '  # --- edge tier',
            '  billing-agent:\n    command: [billing-agent]\n\n  # --- edge tier',
          ),
    });
    const messages = problems.map((p) => p.replace(/^\S+ /, ''));
    expect(messages).toEqual(
      expect.arrayContaining([
        'deploy/docker-compose.yml has no service inventory-agent (architecture.yml declares it)',
        'order-agent does not wait for payment-agent (depends_on), which architecture.yml says it depends on',
        'service billing-agent runs an agent that architecture.yml does not declare',
      ]),
    );
  });

  it('names an agent whose certificate mesh-certs does not issue', () => {
    const problems = problemsWith({
      'deploy/docker-compose.yml': swap('      - tls-payment-agent:/mesh-tls/payment-agent\n', ''),
    });
    expect(problems.map((p) => p.replace(/^\S+ /, ''))).toEqual([
      'mesh-certs issues no certificate for payment-agent (no tls-payment-agent volume)',
    ]);
  });

  it('names a layer that lacks an agent, scales one below architecture.yml, or overrides a service that is gone', () => {
    const problems = problemsWith({
      'deploy/docker-compose.monitoring.yml': swap(
        /\n {2}payment-agent:\n {4}image: \*image\n {4}environment:\n {6}<<: \*otel/,
        '\n  old-agent:\n    image: *image',
      ),
      'deploy/docker-compose.microservices.yml': swap(/(user-agent:[\s\S]*?replicas: )3/, '$11'),
    });
    expect(problems.map((p) => p.replace(/^\S+ /, ''))).toEqual([
      "user-agent: deploy/docker-compose.microservices.yml has replicas 1, below architecture.yml's 3",
      'user-agent: deploy/docker-compose.microservices.yml runs 1 replica(s) over the base file, profile microservices of architecture.yml 3',
      "deploy/docker-compose.monitoring.yml has no service payment-agent: it turns on every agent's trace export",
      'service old-agent configures an agent that architecture.yml does not declare',
    ]);
  });

  it('names Helm values that differ from architecture.yml', () => {
    const problems = problemsWith({
      'deploy/helm/agent-mesh/values.yaml': swap(/(- name: auth-agent\n {4}replicas: )2/, '$13'),
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^deploy\/helm\/agent-mesh\/values\.yaml:\d+:\d+: auth-agent: values\.yaml has replicas 3, architecture\.yml has 2$/,
      ),
    ]);
  });

  it('names an agent Prometheus does not scrape and a scrape of a name that is gone', () => {
    const problems = problemsWith({
      'deploy/prometheus/prometheus.yml': (text) =>
        text.replace('names: [analytics-agent]', 'names: [stats-agent]'),
    });
    expect(problems.map((p) => p.replace(/^\S+ /, ''))).toEqual([
      'deploy/prometheus/prometheus.yml scrapes no analytics-agent: add a job for it (or discover targets through the registry)',
      'job analytics-agent scrapes stats-agent, which is neither an agent nor a compose service',
    ]);
  });

  it('expects no job per agent when Prometheus discovers targets through the registry', () => {
    const problems = problemsWith({
      'deploy/prometheus/prometheus.yml': (text) =>
        text
          .replace(/\n {2}- job_name: analytics-agent\n[\s\S]*?replacement: agents\n/, '\n')
          .replace(
            'scrape_configs:\n',
            'scrape_configs:\n  - job_name: mesh\n    http_sd_configs:\n      - url: https://registry:8000/v1/sd/prometheus\n',
          ),
    });
    expect(problems).toEqual([]);
  });
});
