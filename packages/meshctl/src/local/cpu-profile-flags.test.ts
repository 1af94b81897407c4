import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { cpuProfileFlags } from './cpu-profile-flags.js';
import { spawnDetached } from './processes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('MESH_CPU_PROFILE_DIR', () => {
  it('makes a started process write its CPU profile into the directory when it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpu-prof-'));
    dirs.push(dir);
    const script = join(dir, 'work.mjs');
    writeFileSync(script, 'let x = 0; for (let i = 0; i < 1e6; i++) x += i; console.log(x);\n');
    const profiles = join(dir, 'profiles');
    const child = spawnDetached([...cpuProfileFlags(profiles), script], {
      env: process.env,
      logFile: join(dir, 'logs', 'work.log'),
      cwd: dir,
    });
    expect(await child.exited).toBe('exit code 0');
    expect(readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile'))).toHaveLength(1);
  });

  it('adds no flag when unset and accepts only an absolute directory', () => {
    expect(cpuProfileFlags(undefined)).toEqual([]);
    expect(loadConfig({ MESH_CPU_PROFILE_DIR: '/tmp/p' }).MESH_CPU_PROFILE_DIR).toBe('/tmp/p');
    expect(() => loadConfig({ MESH_CPU_PROFILE_DIR: 'profiles' })).toThrow(/MESH_CPU_PROFILE_DIR.*absolute/);
  });
});
