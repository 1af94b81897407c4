#!/usr/bin/env node
// Prints the top frames of a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function, and the
// inclusive ("total") time of the project's own functions (`packages/`, `agents/`), and self time by origin
// (our code, each dependency, Node), each as a share of the profile's busy samples (idle left out). Usage:
//   node scripts/cpu-profile-top.mjs FILE.cpuprofile [--top 15] [--own]
// --own lists only the project's own frames in the self-time table too.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((arg) => !arg.startsWith('--'));
if (!file) {
  process.stderr.write('usage: cpu-profile-top.mjs FILE.cpuprofile [--top N] [--own]\n');
  process.exit(2);
}
const topAt = args.indexOf('--top');
const top = topAt === -1 ? 15 : Number(args[topAt + 1]);
const ownOnly = args.includes('--own');
const profile = JSON.parse(readFileSync(file, 'utf8'));

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const samplesById = new Map();
for (const id of profile.samples) samplesById.set(id, (samplesById.get(id) ?? 0) + 1);

const isOwn = (url) => /\/(packages|agents)\/[^/]+\/dist\//.test(url) && !url.includes('node_modules');
const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '')
    .replace(/.*\/(packages|agents)\//, '$1/');
const label = (frame) =>
  `${frame.functionName || '(anonymous)'} ${frame.url ? `${short(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim();

const special = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
let total = 0;
let idle = 0;
const self = new Map();
const inclusive = new Map();
for (const [id, count] of samplesById) {
  const node = byId.get(id);
  const name = node.callFrame.functionName;
  total += count;
  if (name === '(idle)') {
    idle += count;
    continue;
  }
  const key = label(node.callFrame);
  self.set(key, (self.get(key) ?? 0) + count);
  // Inclusive time of own frames: each distinct own function on the stack once per sample.
  const seen = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at).callFrame;
    if (!isOwn(frame.url)) continue;
    const own = label(frame);
    if (seen.has(own)) continue;
    seen.add(own);
    inclusive.set(own, (inclusive.get(own) ?? 0) + count);
  }
}
const busy = total - idle;
// Self time by origin: the project's code, each dependency, Node's internals, GC and the rest.
const origin = (frame) => {
  if (special.has(frame.functionName)) return frame.functionName;
  if (isOwn(frame.url)) return 'our code (packages/, agents/)';
  const dependency = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (dependency) return dependency[1];
  if (frame.url.startsWith('node:') || frame.url === '') return "Node's internals and native code";
  return 'other';
};
const byOrigin = new Map();
for (const [id, count] of samplesById) {
  const frame = byId.get(id).callFrame;
  if (frame.functionName === '(idle)') continue;
  byOrigin.set(origin(frame), (byOrigin.get(origin(frame)) ?? 0) + count);
}
const pct = (count) => `${((100 * count) / busy).toFixed(1).padStart(5)} %`;
const rows = (map, filter) =>
  [...map]
    .filter(([key]) => filter(key))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, count]) => `${pct(count)}  ${key}`)
    .join('\n');
const ownKeys = new Set(
  profile.nodes.filter((node) => isOwn(node.callFrame.url)).map((node) => label(node.callFrame)),
);
process.stdout.write(
  `${file}: ${busy} busy samples (${idle} idle)\n\nSelf time, % of busy samples${ownOnly ? ' (own code)' : ''}:\n` +
    `${rows(self, (key) => (ownOnly ? ownKeys.has(key) : !special.has(key) || key === '(garbage collector)' || key === '(program)'))}\n\n` +
    `Own code, inclusive (self + callees), % of busy samples:\n${rows(inclusive, () => true)}\n\n` +
    `Self time by origin, % of busy samples:\n${rows(byOrigin, () => true)}\n`,
);
