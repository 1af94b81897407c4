import { spawnSync } from 'node:child_process';

/**
 * Whether `command args` (a version query such as `helm version`) exits 0 within 10 s: the tool a test file
 * validates with is on PATH and works. Tests skip, or fail in CI, through skipOrFailInCi when it is not.
 */
export function toolRuns(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
}
