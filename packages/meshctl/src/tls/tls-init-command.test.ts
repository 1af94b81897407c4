import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { tlsInit } from './tls-init-command.js';

const arch = loadArchitecture(fileURLToPath(new URL('../../../../architecture.yml', import.meta.url)));
const home = mkdtempSync(join(tmpdir(), 'mesh-tls-init-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function altNames(file: string): string {
  return new X509Certificate(readFileSync(file)).subjectAltName ?? '';
}

async function init(dir: string, hosts: string[]): Promise<string[]> {
  const lines: string[] = [];
  const code = await tlsInit(arch, ['init'], {
    home,
    env: {},
    log: (line) => lines.push(line),
    dir,
    hosts,
    rotate: false,
  });
  expect(code).toBe(0);
  return lines;
}

describe('meshctl tls init --hosts', () => {
  it('puts per-workload hosts ({name}) and wildcards in each agent certificate, none in the operator one', async () => {
    const dir = join(home, 'pki');
    await init(dir, ['{name}.mesh.svc', '*.{name}-pods.mesh.svc', 'shared.example']);
    const order = altNames(join(dir, 'agent/order-agent.crt'));
    expect(order).toContain('URI:spiffe://mesh.local/agent/order-agent');
    expect(order).toContain('DNS:order-agent.mesh.svc');
    expect(order).toContain('DNS:*.order-agent-pods.mesh.svc');
    expect(order).toContain('DNS:shared.example');
    expect(order).toContain('DNS:order-agent,');
    expect(order).not.toContain('{name}');
    expect(altNames(join(dir, 'agent/registry.crt'))).toContain('DNS:*.registry-pods.mesh.svc');
    expect(altNames(join(dir, 'operator/meshctl.crt'))).toBe('URI:spiffe://mesh.local/operator/meshctl');
    expect(statSync(join(dir, 'agent/order-agent.key')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('keeps every certificate when run again with the same hosts', async () => {
    const dir = join(home, 'again');
    await init(dir, ['{name}.mesh.svc']);
    const lines = await init(dir, ['{name}.mesh.svc']);
    expect(lines.some((line) => line.startsWith('issued'))).toBe(false);
    expect(lines.join('\n')).toContain(`kept ${arch.agents.length + 2} current certificates`);
  });

  it('refuses a host pattern that is not a DNS name, an IP address or a one-label wildcard', async () => {
    for (const bad of ['a b', '*.com', 'pod*.mesh', '{other}.mesh', 'a..b'])
      await expect(init(join(home, 'bad'), [bad]), bad).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
