import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStat, readProcessTable, snapshotTrees, snapshotTreesBoth, treeTicks } from './proc-cpu.mjs';

const dirs = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A /proc/<pid>/stat line: fields 3.. are state, ppid, then zeros up to utime, stime, cutime, cstime. */
function statLine(pid, name, { ppid, utime = 0, stime = 0, cutime = 0, cstime = 0 }) {
  const middle = Array(9).fill('0').join(' '); // fields 5..13
  return `${pid} (${name}) S ${ppid} ${middle} ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 100 0 0\n`;
}

function fakeProc(processes) {
  const dir = mkdtempSync(join(tmpdir(), 'proc-cpu-'));
  dirs.push(dir);
  for (const [pid, name, stat] of processes) {
    mkdirSync(join(dir, String(pid)));
    writeFileSync(join(dir, String(pid), 'stat'), statLine(pid, name, stat));
  }
  mkdirSync(join(dir, 'self'));
  return dir;
}

describe('proc-cpu', () => {
  it('parses a command name holding spaces and parentheses', () => {
    const stat = parseStat(
      statLine(7, 'postgres: u db (x) idle', { ppid: 3, utime: 4, stime: 5, cutime: 6 }),
    );
    expect(stat).toEqual({ ppid: 3, utime: 4, stime: 5, cutime: 6, cstime: 0 });
  });

  it('counts a backend that exited during the run once, through its parent', () => {
    // Before: the postmaster (100) with one backend (101) that has used 5 ticks so far.
    const before = fakeProc([
      [100, 'postgres', { ppid: 1, utime: 10 }],
      [101, 'postgres: backend', { ppid: 100, utime: 4, stime: 1 }],
    ]);
    // After: the backend used 3 more ticks, exited and was reaped (8 in the parent's cutime + cstime); a
    // second backend was born and reaped in between (6 more); the postmaster itself spent 2.
    const after = fakeProc([[100, 'postgres', { ppid: 1, utime: 12, cutime: 11, cstime: 3 }]]);
    const delta = snapshotTrees([100], after)[0] - snapshotTrees([100], before)[0];
    expect(delta).toBe(2 + 3 + 6);
    // Live utime + stime alone (the old reading) would have shown the tree losing CPU.
    const [first, last] = [before, after].map((dir) => snapshotTreesBoth([100], dir)[0]);
    expect(last.liveOnly - first.liveOnly).toBe(12 - (10 + 4 + 1));
    expect(last.ticks - first.ticks).toBe(delta);
  });

  it('leaves another root out of a tree, so a listed child is not counted twice', () => {
    const proc = fakeProc([
      [200, 'node meshctl', { ppid: 1, utime: 1 }],
      [201, 'postgres', { ppid: 200, utime: 10 }],
      [202, 'postgres: backend', { ppid: 201, utime: 5 }],
    ]);
    expect(snapshotTrees([200, 201], proc)).toEqual([1, 15]);
    expect(treeTicks(readProcessTable(proc), 200)).toBe(16);
  });

  it('sees the CPU of a real child that has exited', () => {
    const burn = 'const end = Date.now() + 300; while (Date.now() < end);';
    const before = snapshotTrees([process.pid])[0];
    const run = spawnSync(process.execPath, ['-e', burn]);
    expect(run.status).toBe(0);
    const after = snapshotTrees([process.pid])[0];
    // 300 ms of busy loop is 30 ticks; allow for a busy machine stealing some of it from the child.
    expect(after - before).toBeGreaterThanOrEqual(15);
  });
});
