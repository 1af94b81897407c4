// The figures of bench-idle: ms of CPU per second of each process of an idle system, from /proc tick counts.
import { TICKS_PER_SECOND } from './proc-cpu.mjs';

/** ms of CPU per second of wall time of each process, from tick counts before and after `seconds`. */
export function msPerSecond(before, after, seconds) {
  return before.map((ticks, i) => ((after[i] - ticks) * (1000 / TICKS_PER_SECOND)) / seconds);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The display name of a state.json process: replicas after the first carry their number. */
export function processLabel(p) {
  return p.replica !== undefined && p.replica > 1 ? `${p.name}#${p.replica}` : p.name;
}

/**
 * One row per process (the median over the rounds, each round one array of ms/s in `labels` order), the
 * busiest first, then the total of the medians.
 */
export function idleTable(labels, rounds) {
  const rows = labels.map((label, i) => ({ label, msPerS: median(rounds.map((round) => round[i])) }));
  rows.sort((a, b) => b.msPerS - a.msPerS || a.label.localeCompare(b.label));
  const width = Math.max(5, ...rows.map((row) => row.label.length));
  const line = (label, value) => `  ${label.padEnd(width)}  ${value.toFixed(1).padStart(6)}`;
  const total = rows.reduce((sum, row) => sum + row.msPerS, 0);
  return [...rows.map((row) => line(row.label, row.msPerS)), line('total', total)].join('\n');
}
