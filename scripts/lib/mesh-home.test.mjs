import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { meshHomeOf, readLocalState } from './mesh-home.mjs';

const root = resolve(import.meta.dirname, '../..');

/** Runs bench-orders with no system behind `env`'s home: its one-line error names the state file it read. */
function benchError(env, cwd = root) {
  const bench = spawnSync(process.execPath, [join(root, 'scripts/bench-orders.mjs'), '--rate', '1'], {
    cwd,
    env: { ...process.env, MESH_HOME: '', INIT_CWD: '', ...env },
    encoding: 'utf8',
  });
  expect(bench.status).toBe(2);
  return bench.stderr;
}

describe('meshHomeOf', () => {
  it('is <root>/.mesh when MESH_HOME is unset or empty, like meshctl', () => {
    expect(meshHomeOf({}, '/repo')).toBe('/repo/.mesh');
    expect(meshHomeOf({ MESH_HOME: '' }, '/repo')).toBe('/repo/.mesh');
  });

  it('is MESH_HOME, a relative one taken from where pnpm was called', () => {
    expect(meshHomeOf({ MESH_HOME: '/tmp/home-a' }, '/repo')).toBe('/tmp/home-a');
    expect(meshHomeOf({ MESH_HOME: 'h' }, '/repo', '/work')).toBe('/work/h');
    expect(meshHomeOf({ MESH_HOME: 'h', INIT_CWD: '/caller' }, '/repo', '/repo')).toBe('/caller/h');
  });

  it('is the state file bench-orders reads', () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-home-'));
    try {
      expect(benchError({ MESH_HOME: home })).toContain(`(${join(home, 'state.json')})`);
      expect(benchError({ MESH_HOME: 'rel', INIT_CWD: home })).toContain(`(${join(home, 'rel/state.json')})`);
      expect(benchError({})).toContain(`(${join(root, '.mesh/state.json')})`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('is the state file audit-orders reads too', () => {
    const home = mkdtempSync(join(tmpdir(), 'audit-home-'));
    try {
      const audit = spawnSync(process.execPath, [join(root, 'scripts/audit-orders.mjs')], {
        env: { ...process.env, MESH_HOME: home, INIT_CWD: '' },
        encoding: 'utf8',
      });
      expect(audit.status).toBe(2);
      expect(audit.stderr).toContain(`NO_SYSTEM: no running system found (${join(home, 'state.json')})`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('readLocalState', () => {
  it('reads a local system and refuses a missing or Docker one', () => {
    const home = mkdtempSync(join(tmpdir(), 'state-home-'));
    try {
      expect(() => readLocalState(home)).toThrow(/^NO_SYSTEM: no running system found/);
      writeFileSync(join(home, 'state.json'), JSON.stringify({ mode: 'docker', processes: [] }));
      expect(() => readLocalState(home)).toThrow(/^NOT_LOCAL: the system in .* runs in docker mode/);
      writeFileSync(join(home, 'state.json'), JSON.stringify({ mode: 'local', processes: [] }));
      expect(readLocalState(home)).toEqual({ mode: 'local', processes: [] });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
