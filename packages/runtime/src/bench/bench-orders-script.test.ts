import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '../../../../scripts/bench-orders.mjs');

// A stand-in for k6 that records the variables it was given and writes the summary k6 would export, so the
// script's own logic (which system, which URL, the per-order figures) is what is tested.
const FAKE_K6 = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
const vars = {};
for (let i = 0; i < args.length; i += 1) if (args[i] === '-e') { const [k, v] = args[i + 1].split('='); vars[k] = v; }
if (vars.TOKENS_FILE) vars.TOKENS = JSON.parse(fs.readFileSync(vars.TOKENS_FILE, 'utf8'));
fs.writeFileSync(process.env.FAKE_K6_RECORD, JSON.stringify(vars));
fs.writeFileSync(args[args.indexOf('--summary-export') + 1], JSON.stringify({ metrics: {
  orders_completed: { count: 40 }, orders_failed: { count: 1 },
  'http_req_duration{scenario:sustained}': { med: 12.5, 'p(95)': 31, max: 80 } } }));
`;

describe('scripts/bench-orders.mjs (pnpm bench:orders), single system', () => {
  let dir: string;
  let k6: string;
  let record: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-orders-test-'));
    k6 = join(dir, 'k6');
    record = join(dir, 'k6-vars.json');
    writeFileSync(k6, FAKE_K6);
    chmodSync(k6, 0o755);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[], env: Record<string, string>) {
    return spawnSync(process.execPath, [script, '--k6', k6, ...args], {
      env: { ...process.env, FAKE_K6_RECORD: record, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  }

  it('reads the system of MESH_HOME, logs its users in first and loads its gateway', async () => {
    // The gateway's login, which the bench calls before it counts CPU (k6 then gets the tokens in a file).
    const gateway = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { username } = JSON.parse(body) as { username: string };
        res.writeHead(req.url === '/auth/login' ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: `token-of-${username}` }));
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    const home = join(dir, 'home');
    const state = {
      version: 1,
      mode: 'local',
      root: dir,
      registryUrl: 'https://127.0.0.1:29000',
      gatewayUrl,
      processes: [{ name: 'api-gateway', kind: 'agent', replica: 1, pid: process.pid }],
    };
    mkdirSync(home);
    writeFileSync(join(home, 'state.json'), JSON.stringify(state));

    // Not spawnSync: this process must answer the logins while the script runs.
    const result = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [script, '--k6', k6, '--rate', '5', '--duration', '1s'],
        { env: { ...process.env, FAKE_K6_RECORD: record, MESH_HOME: home }, timeout: 30_000 },
        (error, stdout, stderr) =>
          resolve({
            status: error ? Number(error.code ?? 1) : 0,
            stdout: String(stdout),
            stderr: String(stderr),
          }),
      );
    }).finally(() => gateway.close());

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const vars = JSON.parse(readFileSync(record, 'utf8')) as Record<string, unknown>;
    expect(vars).toMatchObject({ BASE_URL: gatewayUrl, RATE: '5', SCENARIOS: 'sustained', USERS: '10' });
    expect(vars['TOKENS']).toHaveLength(10);
    expect((vars['TOKENS'] as unknown[])[9]).toEqual({ user: 'user-9', token: 'token-of-user-9' });
    expect(result.stdout).toContain('40 completed, 1 failed');
    expect(result.stdout).toContain('latency p50 12.5 ms, p95 31.0 ms');
    expect(result.stdout).toContain('CPU per completed order (ms), by process:');
  });

  it('says which state file it looked for when MESH_HOME holds no system', () => {
    const result = run([], { MESH_HOME: join(dir, 'empty') });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`no running system found (${join(dir, 'empty', 'state.json')})`);
  });

  it('refuses to compare this checkout with itself, or two comparisons at once', () => {
    const self = run(['--compare-root', join(dirname(script), '..')], {});
    expect(self.status).toBe(2);
    expect(self.stderr).toContain('--compare-root must name another checkout than this one');
    const both = run(['--compare-env', 'A=1,2', '--compare-root', dir], {});
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('one at a time');
  });

  it('refuses an unknown flag with exit 2', () => {
    const result = run(['--fast', 'yes'], {});
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown flag --fast');
  });
});
