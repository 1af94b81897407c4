// Which Node runs a system's processes, for bench-orders: the same tree cost 0.88x to 0.96x the CPU per order on
// Node 24 as on Node 20 or 22 (docs/benchmarks.md), so a figure without its Node version cannot be compared.
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/** The executable of the Node process `pid`, or undefined for another program or a gone pid. */
function nodeExecutable(pid) {
  let path;
  try {
    path = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
  return basename(path).startsWith('node') ? path : undefined;
}

/** What `path --version` prints. */
function versionOf(path) {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return run.status === 0 ? run.stdout.trim() : 'unknown version';
}

/** The executable and `--version` of the Node process `pid`, or undefined for another program or a gone pid. */
export function nodeOfProcess(pid) {
  const path = nodeExecutable(pid);
  return path === undefined ? undefined : { path, version: versionOf(path) };
}

/**
 * "node v24.22.3 (/opt/node24/bin/node)" for the Node processes among `pids`, each distinct one once; each
 * executable is asked its version once, not once per process.
 */
export function describeNodes(pids) {
  const seen = new Map();
  for (const pid of pids) {
    const path = nodeExecutable(pid);
    if (path !== undefined && !seen.has(path)) seen.set(path, versionOf(path));
  }
  if (seen.size === 0) return 'no Node process found';
  return [...seen].map(([path, version]) => `node ${version} (${path})`).join(', ');
}
