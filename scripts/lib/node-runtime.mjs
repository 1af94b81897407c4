// Which Node runs a system's processes, for bench-orders: the same tree costs 0.88x the CPU per order on Node 24
// as on Node 20 or 22 (docs/benchmarks.md), so a figure without its Node version cannot be compared.
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/** The executable and `--version` of the Node process `pid`, or undefined for another program or a gone pid. */
export function nodeOfProcess(pid) {
  let path;
  try {
    path = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
  if (!basename(path).startsWith('node')) return undefined;
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = run.status === 0 ? run.stdout.trim() : 'unknown version';
  return { path, version };
}

/** "node v24.22.3 (/opt/node24/bin/node)" for the Node processes among `pids`, each distinct one once. */
export function describeNodes(pids) {
  const seen = new Map();
  for (const pid of pids) {
    const node = nodeOfProcess(pid);
    if (node !== undefined && !seen.has(node.path)) seen.set(node.path, node.version);
  }
  if (seen.size === 0) return 'no Node process found';
  return [...seen].map(([path, version]) => `node ${version} (${path})`).join(', ');
}
