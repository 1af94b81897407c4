// How late the host ran the load generator's side during a bench run: a timer in the bench process that should
// fire every `resolutionMs` (perf_hooks' event-loop delay histogram) and the load average at start and end. A
// late timer here is a late k6 too: both wait for the same two cores, so a p95 measured while the host lagged
// is the host's as much as the system's. Whether others held the cores is lib/host-cpu.mjs's to say: the load
// average counts the system's own runnable processes too.
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** A scheduling stall past this (p99, ms) means arrivals went out late: a fifth of loadtest's 250 ms p95 bound. */
export const LAG_P99_LIMIT_MS = 50;
/** Achieved arrivals below this share of the asked rate: k6 did not send what was asked. */
export const ACHIEVED_SHARE_LIMIT = 0.97;
/** Dropped iterations above this share of the asked ones (k6's own threshold is 1%). */
export const DROPPED_SHARE_LIMIT = 0.01;

/** Starts watching; `stop()` returns lag percentiles in ms (beyond the timer's period) and the load averages. */
export function watchHostLag(resolutionMs = 10) {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  const loadStart = loadavg()[0];
  histogram.enable();
  // The histogram records the time between ticks, period included: what is beyond the period is the lag.
  const lagMs = (nanoseconds) => Math.max(0, nanoseconds / 1e6 - resolutionMs);
  return {
    stop() {
      histogram.disable();
      return {
        p50Ms: lagMs(histogram.percentile(50)),
        p99Ms: lagMs(histogram.percentile(99)),
        maxMs: lagMs(histogram.max),
        loadStart,
        loadEnd: loadavg()[0],
        cores: cpus().length,
      };
    },
  };
}

/**
 * Why the generator could not keep up, one phrase per reason (none: it did). `asked` and `achieved` are
 * arrivals per second, `dropped` the iterations k6 could not start.
 */
export function generatorShortfalls({ asked, achieved, dropped, durationSeconds, lag }) {
  const reasons = [];
  if (achieved < asked * ACHIEVED_SHARE_LIMIT)
    reasons.push(`sent ${achieved.toFixed(1)}/s of ${asked}/s asked`);
  if (dropped > asked * durationSeconds * DROPPED_SHARE_LIMIT)
    reasons.push(`${dropped} iterations dropped (no free VU: the system or the host fell behind)`);
  if (lag.p99Ms > LAG_P99_LIMIT_MS)
    reasons.push(`host scheduling lag p99 ${lag.p99Ms.toFixed(0)} ms > ${LAG_P99_LIMIT_MS} ms`);
  return reasons;
}
