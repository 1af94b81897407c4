import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeState, type ProcessRecord } from '../local/state.js';
import { showLogs } from './local-commands.js';

const home = mkdtempSync(join(tmpdir(), 'meshctl-logs-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const line = (msg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level: 'info', time: '2026-12-06T10:41:33.123Z', service: 'order-agent', msg, ...extra });

function record(name: string, replica: number): ProcessRecord {
  const log = join(home, `${name}-${replica}.log`);
  writeFileSync(
    log,
    `${line('agent listening', { replica })}\n${line('order completed', { order_id: `o-${replica}` })}\n`,
  );
  return {
    name,
    kind: 'agent',
    replica,
    pid: process.pid,
    log,
    args: [],
    env: {},
    startedAt: '2026-01-01T00:00:00Z',
  };
}

writeState(home, {
  version: 1,
  mode: 'local',
  root: home,
  startedAt: '2026-01-01T00:00:00Z',
  registryUrl: 'http://127.0.0.1:8000',
  processes: [
    record('order-agent', 1),
    record('order-agent', 2),
    record('auth-agent', 1),
    record('analytics-agent', 1),
  ],
});

async function logs(name: string, json = false): Promise<string[]> {
  const lines: string[] = [];
  await showLogs(home, name, { lines: 10, follow: false, json }, (l) => lines.push(l));
  return lines;
}

describe('meshctl logs (local processes)', () => {
  it('finds order-agent from "order" and pretty-prints every replica', async () => {
    const out = await logs('order');
    expect(out.filter((l) => l.startsWith('==>'))).toHaveLength(2);
    expect(out).toContain('10:41:33.123 INFO  order-agent order completed order_id=o-1');
    expect(out).toContain('10:41:33.123 INFO  order-agent order completed order_id=o-2');
  });

  it('prints the raw JSON lines with --json', async () => {
    const out = await logs('order-agent', true);
    expect(out).toContain(line('order completed', { order_id: 'o-2' }));
  });

  it('lists the candidates of an ambiguous name', async () => {
    await expect(logs('a')).rejects.toThrow('a is ambiguous: analytics-agent, auth-agent');
  });
});
