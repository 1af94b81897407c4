// CPU time of process trees from /proc/<pid>/stat (Linux), for bench-orders' CPU per order by process.
//
// Each process counts utime + stime (its own CPU) + cutime + cstime (the CPU of its children that have exited
// and that it has waited for). Summed over a tree (the process and its live descendants) before and after a
// run, the difference is the CPU the tree spent in between, children that exited in between included:
//
//   - a child alive at both snapshots counts in its own entry both times and is not yet in its parent's
//     cutime, so its delta is its own;
//   - a child alive before and reaped by its parent during the run counted its CPU-so-far live before; when it
//     is reaped, its whole lifetime's CPU (its own and its reaped children's) enters the parent's
//     cutime + cstime, so after - before adds exactly what it spent inside the window. Nothing is counted
//     twice: the before-value is subtracted once, the whole value added once;
//   - a child born and reaped during the run enters the parent's cutime whole, all of it inside the window;
//   - a child that exited but is not reaped yet (a zombie) still shows its utime/stime in its own entry.
//
// What this cannot see: a child reaped by someone else (an orphan re-parented to init) and a parent that never
// waits; PostgreSQL's postmaster waits for every backend, Node for every child it spawned. A process listed
// twice (as a tree root and inside another root's tree) would be counted twice; `treeTicks` therefore skips
// the roots named in `exclude`.
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: the unit of the /proc times, 100 on every Linux the project supports. */
export const TICKS_PER_SECOND = 100;

/**
 * The fields bench-orders needs from the text of /proc/<pid>/stat. The command name (field 2) may hold spaces
 * and parentheses, so fields are counted after the last ')'.
 */
export function parseStat(text) {
  const close = text.lastIndexOf(')');
  if (close === -1) throw new Error(`PROC_STAT_INVALID: no ')' in ${JSON.stringify(text.slice(0, 80))}`);
  // After ") " come state (field 3), ppid (4), … utime (14), stime (15), cutime (16), cstime (17).
  const fields = text.slice(close + 2).split(' ');
  const number = (index) => Number(fields[index]);
  return {
    ppid: number(1),
    utime: number(11),
    stime: number(12),
    cutime: number(13),
    cstime: number(14),
  };
}

/** Own plus reaped children's CPU of one process, in ticks. */
export function ownAndReapedTicks(stat) {
  return stat.utime + stat.stime + stat.cutime + stat.cstime;
}

/**
 * Every process now: pid -> { ppid, ticks, ownTicks } with ticks = utime + stime + cutime + cstime and ownTicks
 * = utime + stime (what a reading of live processes alone sees).
 */
export function readProcessTable(procDir = '/proc') {
  const table = new Map();
  for (const entry of readdirSync(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseStat(readFileSync(`${procDir}/${entry}/stat`, 'utf8'));
      table.set(Number(entry), {
        ppid: stat.ppid,
        ticks: ownAndReapedTicks(stat),
        ownTicks: stat.utime + stat.stime,
      });
    } catch {
      // the process ended while we read
    }
  }
  return table;
}

/**
 * Ticks of `pid` and its live descendants, leaving out the subtrees of the pids in `exclude`; `field` 'ownTicks'
 * sums utime + stime only (the reading that loses exited children).
 */
export function treeTicks(table, pid, exclude = new Set(), field = 'ticks') {
  const children = new Map();
  for (const [child, info] of table) {
    const list = children.get(info.ppid);
    if (list) list.push(child);
    else children.set(info.ppid, [child]);
  }
  let total = 0;
  const pending = [pid];
  const visited = new Set();
  while (pending.length > 0) {
    const current = pending.pop();
    if (visited.has(current)) continue;
    visited.add(current);
    total += table.get(current)?.[field] ?? 0;
    for (const child of children.get(current) ?? []) if (!exclude.has(child)) pending.push(child);
  }
  return total;
}

/** Ticks of each root's tree, each root's tree leaving out the other roots (so nothing counts twice). */
export function snapshotTrees(pids, procDir = '/proc') {
  return snapshotTreesBoth(pids, procDir).map((tree) => tree.ticks);
}

/** Per root: `ticks` (exited children included) and `liveOnly` (utime + stime of live processes alone). */
export function snapshotTreesBoth(pids, procDir = '/proc') {
  const table = readProcessTable(procDir);
  const roots = new Set(pids);
  return pids.map((pid) => ({
    ticks: treeTicks(table, pid, roots),
    liveOnly: treeTicks(table, pid, roots, 'ownTicks'),
  }));
}
