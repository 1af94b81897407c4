#!/usr/bin/env node
// CPU an idle system burns: ms of CPU per second of each process of a running local system, over a window in
// which nothing is asked of it. Starts nothing; reads MESH_HOME/state.json (as meshctl writes it) and /proc.
//
//   ./scripts/start-multi-agent.sh            (then leave it alone a few seconds: start-up is not idle)
//   node scripts/bench-idle.mjs [--duration 30s] [--settle 5s] [--rounds 1]
//
// Each process counts with its children, exited ones included (utime+stime+cutime+cstime over its process
// tree, lib/proc-cpu.mjs), so PostgreSQL's backends count under postgres. With --rounds N it measures N windows
// one after the other and prints each process's median, which a busy shared host distorts less than one window.
// Linux only.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { meshHomeOf } from './lib/mesh-home.mjs';
import { idleTable, msPerSecond, processLabel } from './lib/idle-cpu.mjs';
import { snapshotTrees } from './lib/proc-cpu.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  process.stderr.write(`bench-idle: ${message}\n`);
  process.exit(2);
}

/** "30s", "2m", "500ms" or a bare number of seconds, in ms. */
function parseDurationMs(text) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!match) fail(`BAD_DURATION: ${JSON.stringify(text)} (expected e.g. 30s, 2m, 500ms)`);
  const unit = { ms: 1, s: 1000, m: 60_000 }[match[2] ?? 's'];
  return Number(match[1]) * unit;
}

function parseArgs(argv) {
  const options = { durationMs: 30_000, settleMs: 5_000, rounds: 1 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined && flag !== '--help') fail(`MISSING_VALUE: ${flag} needs a value`);
    if (flag === '--duration') options.durationMs = parseDurationMs(value);
    else if (flag === '--settle') options.settleMs = parseDurationMs(value);
    else if (flag === '--rounds') options.rounds = Number(value);
    else fail(`UNKNOWN_FLAG: ${flag} (flags: --duration 30s, --settle 5s, --rounds 1)`);
    i += 1;
  }
  if (!Number.isInteger(options.rounds) || options.rounds < 1 || options.rounds > 20) {
    fail('BAD_ROUNDS: --rounds takes a whole number from 1 to 20');
  }
  if (options.durationMs < 1000 || options.durationMs > 600_000) fail('BAD_DURATION: from 1s to 10m');
  return options;
}

function readState(home) {
  let state;
  try {
    state = JSON.parse(readFileSync(join(home, 'state.json'), 'utf8'));
  } catch {
    fail(`NO_SYSTEM: no running system in ${home} (start one with ./scripts/start-multi-agent.sh)`);
  }
  if (state.mode !== 'local') fail('NOT_LOCAL: CPU per process needs the local mode (MESH_MODE=local)');
  return state;
}

/** One window: ms of CPU per second of each process, measured over `durationMs` of wall time. */
async function measureWindow(pids, durationMs) {
  const before = snapshotTrees(pids);
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const after = snapshotTrees(pids);
  return msPerSecond(before, after, Number(process.hrtime.bigint() - started) / 1e9);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const home = meshHomeOf(process.env, ROOT);
  const state = readState(home);
  const processes = state.processes.filter((p) => typeof p.pid === 'number');
  const pids = processes.map((p) => p.pid);
  if (options.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, options.settleMs));
  const rounds = [];
  for (let round = 0; round < options.rounds; round += 1) {
    rounds.push(await measureWindow(pids, options.durationMs));
  }
  const seconds = options.durationMs / 1000;
  process.stdout.write(
    `idle CPU of ${processes.length} processes in ${home}, ${options.rounds} window(s) of ${seconds} s` +
      `${options.rounds > 1 ? ' (median per process)' : ''}; ms of CPU per second:\n`,
  );
  process.stdout.write(`${idleTable(processes.map(processLabel), rounds)}\n`);
  // A clock tick is 10 ms: over a short window a process's figure moves in steps of 10 / seconds.
  process.stdout.write(`  (resolution ${(10 / seconds).toFixed(2)} ms/s per process)\n`);
}

await main();
