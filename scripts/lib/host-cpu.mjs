// What the rest of the host took while a bench ran: the machine's CPU time from /proc/stat before and after,
// less what the system, k6 and the bench itself spent (their own /proc counts). The load average cannot tell
// this: it counts the system's own runnable processes, and twenty of them at 200 orders/s hold it near 4 on
// two cores with no neighbour at all. Steal is the time the hypervisor gave this machine's cores to others.
import { readFileSync } from 'node:fs';
import { TICKS_PER_SECOND } from './proc-cpu.mjs';

/** Others' CPU past this (cores, averaged over the run) competed with the system for the cores. */
export const OTHERS_CORES_LIMIT = 0.25;
/** Steal past this share of the machine's core time: the hypervisor held the cores back. */
export const STEAL_SHARE_LIMIT = 0.05;

/**
 * The busy and stolen ticks of the machine from the text of /proc/stat (its first line: user nice system idle
 * iowait irq softirq steal guest guest_nice; guest time is already inside user and nice).
 */
export function parseHostCpu(text) {
  const line = text.split('\n', 1)[0];
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'cpu' || fields.length < 9)
    throw new Error(
      `PROC_STAT_INVALID: first line is not the cpu total: ${JSON.stringify(line.slice(0, 80))}`,
    );
  const [user, nice, system, , , irq, softirq, steal] = fields.slice(1).map(Number);
  return { busyTicks: user + nice + system + irq + softirq, stealTicks: steal };
}

export function readHostCpu(path = '/proc/stat') {
  return parseHostCpu(readFileSync(path, 'utf8'));
}

/**
 * Cores the rest of the host used on average between `before` and `after` (host readings), given the ms of
 * CPU the bench's own processes spent (`ownMs`), and the cores the hypervisor stole. Tick rounding can take
 * `others` a little below zero on a quiet host: it is clamped.
 */
export function othersOnHost({ before, after, ownMs, wallSeconds, cores }) {
  const msOf = (ticks) => (ticks * 1000) / TICKS_PER_SECOND;
  const busyMs = msOf(after.busyTicks - before.busyTicks);
  const stealMs = msOf(after.stealTicks - before.stealTicks);
  const wallMs = wallSeconds * 1000;
  return {
    othersCores: Math.max(0, busyMs - ownMs) / wallMs,
    stealCores: stealMs / wallMs,
    cores,
  };
}

/**
 * Why the host was busy beyond the bench's own processes (undefined when it was not): the figures of the run
 * are then the neighbours' as much as the system's.
 */
export function busyHost({ othersCores, stealCores, cores }) {
  const reasons = [];
  if (othersCores > OTHERS_CORES_LIMIT)
    reasons.push(`other processes used ${othersCores.toFixed(2)} of its ${cores} cores`);
  if (stealCores > STEAL_SHARE_LIMIT * cores)
    reasons.push(`the hypervisor stole ${stealCores.toFixed(2)} of its ${cores} cores`);
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/** One phrase for the host line: what the rest of the host and the hypervisor took. */
export function describeOthers({ othersCores, stealCores, cores }) {
  return `other processes ${othersCores.toFixed(2)} of ${cores} cores, ` + `steal ${stealCores.toFixed(2)}`;
}
