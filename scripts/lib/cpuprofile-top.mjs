#!/usr/bin/env node
// The functions a V8 CPU profile (node --cpu-prof) spent the most self time in, for docs/benchmarks.md.
//
//   node scripts/lib/cpuprofile-top.mjs FILE.cpuprofile [N]          # N frames, default 10
//   node scripts/lib/cpuprofile-top.mjs DIR [N] [--skip-seconds S]   # every profile in DIR, one per process
//   … --own                                                          # only our own frames in the list
//
// DIR is what MESH_CPU_PROFILE_DIR collected from a local system (profiles are written when each process
// exits, so stop the system first). Each profile is named by the agent whose code it ran, and its busy time is
// also split by owner: our packages and agents, npm packages, Node's own modules, native calls, the collector.
// `--skip-seconds S` leaves out each process's first S seconds (its start-up), so a profile taken across a
// bench shows the bench.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Where a frame's code comes from: `ours:agents/order`, `npm:pg`, `node:_tls_wrap`, `native` or a V8 entry. */
export function ownerOf(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const npm = url.match(/.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (npm) return `npm:${npm[1]}`;
  const path = relative(root, url.replace(/^file:\/\//, ''));
  const ours = path.match(/^((?:agents|packages)\/[^/]+)\//);
  return ours ? `ours:${ours[1]}` : path;
}

/**
 * Self time (ms) per frame (function, file and line) and per owner, largest first, and the profile's whole
 * time; samples in the first `skipMs` of the profile are left out.
 */
export function selfTimes(profile, skipMs = 0) {
  const frameOf = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFrame = new Map();
  const byOwner = new Map();
  let totalUs = 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    elapsedUs += delta;
    if (skipMs > 0 && elapsedUs <= skipMs * 1000) return;
    totalUs += delta;
    const frame = frameOf.get(id);
    const file = frame.url ? relative(root, frame.url.replace(/^file:\/\//, '')) : '';
    const key = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    byFrame.set(key, (byFrame.get(key) ?? 0) + delta);
    const owner = ownerOf(frame);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + delta);
  });
  const sorted = (map, name) =>
    [...map].map(([key, us]) => ({ [name]: key.trim(), ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, frames: sorted(byFrame, 'frame'), owners: sorted(byOwner, 'owner') };
}

/** The agent (or package) whose code a profile ran most: `agents/order`, `packages/registry`… */
export function processNameOf(profile) {
  const counts = new Map();
  for (const { callFrame } of profile.nodes) {
    const owner = ownerOf(callFrame);
    if (owner.startsWith('ours:agents/') || owner === 'ours:packages/registry')
      counts.set(owner.slice(5), (counts.get(owner.slice(5)) ?? 0) + 1);
  }
  const sandbox = profile.nodes.find(({ callFrame }) =>
    /packages\/sandboxes\/dist\/[^/]+\//.test(callFrame.url),
  );
  if (counts.size === 0 && sandbox) return sandbox.callFrame.url.match(/sandboxes\/dist\/([^/]+)\//)[1];
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
}

function report(label, profile, n, skipMs, ownOnly) {
  const { totalMs, frames, owners } = selfTimes(profile, skipMs);
  const busy = frames.filter((f) => f.frame !== '(idle)');
  const busyMs = busy.reduce((sum, f) => sum + f.ms, 0);
  const share = (ms) => `${((ms / busyMs) * 100).toFixed(1)}%`;
  console.log(
    `${label}: ${(totalMs / 1000).toFixed(1)} s profiled, ${(busyMs / 1000).toFixed(2)} s not idle`,
  );
  const topOwners = owners.filter((o) => o.owner !== '(idle)').slice(0, 8);
  console.log(`  by owner: ${topOwners.map((o) => `${o.owner} ${share(o.ms)}`).join(', ')}`);
  const listed = ownOnly ? busy.filter((f) => /^\S+ (agents|packages)\//.test(f.frame)) : busy;
  for (const { frame, ms } of listed.slice(0, n))
    console.log(`  ${ms.toFixed(0).padStart(6)} ms  ${share(ms).padStart(6)}  ${frame}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const args = process.argv.slice(2);
  const ownAt = args.indexOf('--own');
  if (ownAt !== -1) args.splice(ownAt, 1);
  const skipAt = args.indexOf('--skip-seconds');
  const skipMs = skipAt === -1 ? 0 : Number(args.splice(skipAt, 2)[1]) * 1000;
  const [target, n = '10'] = args;
  if (!target || !Number.isFinite(skipMs) || skipMs < 0 || !(Number(n) > 0)) {
    console.error('usage: cpuprofile-top.mjs FILE.cpuprofile|DIR [N] [--skip-seconds S] [--own]');
    process.exit(2);
  }
  const files = statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(target, f))
    : [target];
  if (files.length === 0) {
    console.error(
      `${target}: no .cpuprofile files (are the processes stopped? profiles are written on exit)`,
    );
    process.exit(1);
  }
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    const label = files.length > 1 ? `${processNameOf(profile)} (${file})` : file;
    report(label, profile, Number(n), skipMs, ownAt !== -1);
  }
}
