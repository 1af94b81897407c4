import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerAvailable } from './docker.js';

const dirs: string[] = [];
const originalPath = process.env['PATH'];

/** A repo root with a compose file and a fake `docker` on PATH whose `info` exits with `infoExit`. */
function setup(infoExit: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-docker-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'deploy'));
  writeFileSync(join(dir, 'deploy/docker-compose.yml'), 'services: {}\n');
  mkdirSync(join(dir, 'bin'));
  const fake = join(dir, 'bin/docker');
  writeFileSync(
    fake,
    `#!/bin/sh\n[ "$1" = info ] && exit ${infoExit}\n[ "$1" = compose ] && exit 0\nexit 1\n`,
  );
  chmodSync(fake, 0o755);
  process.env['PATH'] = `${join(dir, 'bin')}:${originalPath ?? ''}`;
  return dir;
}

afterEach(() => {
  process.env['PATH'] = originalPath;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('dockerAvailable', () => {
  it('is false when `docker info` fails (a client without an engine), so the start uses local processes', async () => {
    expect(await dockerAvailable(setup(1))).toBe(false);
  });

  it('is true when the engine answers and compose exists', async () => {
    expect(await dockerAvailable(setup(0))).toBe(true);
  });
});
