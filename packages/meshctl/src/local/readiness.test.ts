import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { awaitReady, jsonLineWith, ReadinessError } from './readiness.js';

const dir = mkdtempSync(join(tmpdir(), 'meshctl-ready-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readiness', () => {
  it('ignores a ready line an earlier run left in an appended log', () => {
    const log = join(dir, 'postgres.log');
    appendFileSync(log, 'starting\n{"event":"ready","url":"postgres://old"}\nstopped\n');
    const start = statSync(log).size;
    expect(jsonLineWith(log, 'url', start)).toBeUndefined();
    appendFileSync(log, 'progress\n{"event":"ready","url":"postgres://new"}\n');
    expect(jsonLineWith(log, 'url', start)).toEqual({ event: 'ready', url: 'postgres://new' });
  });

  it('fails naming DEPENDENCY_TIMEOUT and the log when the probe never succeeds', async () => {
    const error = await awaitReady('slow-agent', async () => undefined, {
      timeoutMs: 100,
      intervalMs: 10,
      logFile: '/x.log',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadinessError);
    expect((error as ReadinessError).message).toBe(
      'slow-agent did not become ready within 100 ms (DEPENDENCY_TIMEOUT)',
    );
    expect((error as ReadinessError).logFile).toBe('/x.log');
  });
});
