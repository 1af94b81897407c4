#!/usr/bin/env node
// Where a process's CPU time went, by kind of code, from a Linux `perf record` of it: V8's interpreter and
// inline caches, JIT-compiled JavaScript, the garbage collector, the optimizing compiler, OpenSSL, malloc and
// friends, the kernel… A V8 CPU profile (--cpu-prof) samples on a wall clock, so on a busy host it charges a
// process's time off the CPU to whatever it was about to return from (writev, mostly); perf counts CPU cycles.
//
//   perf record -F 999 -p PID -o perf.data -- sleep 20
//   node scripts/lib/perf-breakdown.mjs perf.data [N]      # the categories, then the N hottest symbols
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const KINDS = [
  ['kernel', (line) => line.kernel],
  [
    'JavaScript (JIT code)',
    (line) => /JIT|perf-\d+\.map/.test(line.dso) || /^(LazyCompile|JS:|Function:)/.test(line.symbol),
  ],
  [
    'V8 garbage collector',
    (line) => /Scaveng|MarkCompact|Marking|Sweeper|Evacuat|MinorM|Heap::|GCTracer/.test(line.symbol),
  ],
  ['V8 optimizing compiler', (line) => /compiler::|maglev|Turbofan|turboshaft/i.test(line.symbol)],
  ['V8 builtins (interpreter, inline caches)', (line) => line.symbol.startsWith('Builtins_')],
  [
    'OpenSSL (TLS, crypto)',
    (line) =>
      /ossl|OPENSSL|EVP_|SSL|^sha\d|aes|gcm|ecp_nistz|EC_|BN_|bn_|CRYPTO_|ERR_|X509|tls1|ASN1|HMAC|RAND_|LH_/.test(
        line.symbol,
      ),
  ],
  ['libc (malloc, memcpy, locks)', (line) => /libc\.so|libpthread/.test(line.dso)],
  ['llhttp (HTTP parser)', (line) => line.symbol.startsWith('llhttp')],
  ['libuv', (line) => /^uv_|^uv__/.test(line.symbol)],
  ['node C++', (line) => line.symbol.includes('node::')],
  ['V8 runtime (C++)', (line) => line.symbol.includes('v8::')],
];

/** Parses `perf report --stdio --no-children --sort dso,sym` lines into {percent, dso, kernel, symbol}. */
export function parseReport(text) {
  const lines = [];
  for (const raw of text.split('\n')) {
    const match = raw.match(/^\s+([\d.]+)%\s+(.+?)\s+\[([.k])\]\s+(.*)$/);
    if (match)
      lines.push({
        percent: Number(match[1]),
        dso: match[2],
        kernel: match[3] === 'k',
        symbol: match[4].trim(),
      });
  }
  return lines;
}

/** Percent of samples per kind of code, largest first; what matches no kind is `other`. */
export function breakdown(lines) {
  const byKind = new Map();
  for (const line of lines) {
    const kind = KINDS.find(([, test]) => test(line))?.[0] ?? 'other';
    byKind.set(kind, (byKind.get(kind) ?? 0) + line.percent);
  }
  return [...byKind].map(([kind, percent]) => ({ kind, percent })).sort((a, b) => b.percent - a.percent);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const [file, n = '15'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: perf-breakdown.mjs perf.data [N]');
    process.exit(2);
  }
  const report = spawnSync('perf', ['report', '-i', file, '--stdio', '--no-children', '--sort', 'dso,sym'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (report.status !== 0) {
    console.error(`perf report failed: ${report.error?.message ?? report.stderr.trim()}`);
    process.exit(1);
  }
  const lines = parseReport(report.stdout);
  for (const { kind, percent } of breakdown(lines))
    console.log(`${percent.toFixed(1).padStart(6)}%  ${kind}`);
  console.log('hottest symbols:');
  for (const line of lines.slice(0, Number(n)))
    console.log(`${line.percent.toFixed(2).padStart(6)}%  ${line.symbol}  (${line.dso})`);
}
