#!/usr/bin/env node
// The functions a V8 CPU profile (node --cpu-prof) spent the most self time in, for docs/benchmarks.md.
//
//   node scripts/lib/cpuprofile-top.mjs FILE.cpuprofile [N]     # N frames, default 10
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** Self time (ms) per frame (function, file and line), largest first, and the profile's whole time. */
export function selfTimes(profile) {
  const frameOf = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFrame = new Map();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    totalUs += delta;
    const frame = frameOf.get(id);
    const file = frame.url ? relative(root, frame.url.replace(/^file:\/\//, '')) : '';
    const key = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    byFrame.set(key, (byFrame.get(key) ?? 0) + delta);
  });
  const frames = [...byFrame]
    .map(([frame, us]) => ({ frame: frame.trim(), ms: us / 1000 }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, frames };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const [file, n = '10'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: cpuprofile-top.mjs FILE.cpuprofile [N]');
    process.exit(2);
  }
  const { totalMs, frames } = selfTimes(JSON.parse(readFileSync(file, 'utf8')));
  const busyMs = frames.filter((f) => f.frame !== '(idle)').reduce((sum, f) => sum + f.ms, 0);
  console.log(`${file}: ${(totalMs / 1000).toFixed(1)} s profiled, ${(busyMs / 1000).toFixed(2)} s not idle`);
  for (const { frame, ms } of frames.filter((f) => f.frame !== '(idle)').slice(0, Number(n)))
    console.log(
      `  ${ms.toFixed(0).padStart(6)} ms  ${((ms / busyMs) * 100).toFixed(1).padStart(5)}%  ${frame}`,
    );
}
