import { deltaOf } from './canary-metrics.js';
import type { VersionTotals } from './canary-metrics.js';
import { judge } from './canary-decision.js';

export interface CanaryWatchOptions {
  readonly stableVersion: string;
  readonly canaryVersion: string;
  /** The weight in force when the watch starts. */
  readonly weight: number;
  /** Weights to go through, ascending; those not above `weight` are skipped; 100 promotes. */
  readonly steps: readonly number[];
  readonly intervalMs: number;
  readonly marginPoints: number;
  readonly minCalls: number;
  /** Intervals in a row without enough canary calls before the watch gives up (weight left as it is). */
  readonly maxWaits: number;
  /** The consumers' counters now (cumulative). */
  sample(): Promise<VersionTotals>;
  setWeight(weight: number): Promise<void>;
  rollback(reason: string): Promise<void>;
  promote(): Promise<void>;
  log(line: string): void;
  sleep?(ms: number): Promise<void>;
}

export type WatchOutcome = 'promoted' | 'rolled-back' | 'held' | 'inconclusive';

/**
 * Flagger's analysis loop on our mesh: every interval compares what the consumers saw of the canary with
 * the stable version since the previous interval; a canary failing more than the stable version plus the
 * margin is rolled back at once, one within it moves to the next step, and reaching 100 promotes it.
 * Bounded: at most one step per interval and `maxWaits` quiet intervals in a row.
 */
export async function watchCanary(options: CanaryWatchOptions): Promise<WatchOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const steps = options.steps.filter((step) => step > options.weight);
  let weight = options.weight;
  let before = await options.sample();
  let waits = 0;
  let next = 0;
  const limit = (steps.length + 1) * (options.maxWaits + 1);
  for (let check = 0; check < limit; check += 1) {
    await sleep(options.intervalMs);
    const after = await options.sample();
    const delta = deltaOf(after, before);
    before = after;
    const verdict = judge(delta.get(options.stableVersion), delta.get(options.canaryVersion), options);
    options.log(`weight ${weight}: ${verdict.verdict} (${verdict.reason})`);
    if (verdict.verdict === 'rollback') {
      await options.rollback(verdict.reason);
      return 'rolled-back';
    }
    if (verdict.verdict === 'wait') {
      waits += 1;
      if (waits > options.maxWaits) return 'inconclusive';
      continue;
    }
    waits = 0;
    const step = steps[next];
    if (step === undefined) return 'held';
    next += 1;
    if (step >= 100) {
      await options.promote();
      return 'promoted';
    }
    await options.setWeight(step);
    weight = step;
  }
  return 'inconclusive';
}

/** `10,25,50,100` as numbers: whole percents, ascending, each 1-100. */
export function parseSteps(text: string): number[] {
  const steps = text.split(',').map((part) => Number(part.trim()));
  if (steps.some((step) => !Number.isInteger(step) || step < 1 || step > 100))
    throw new Error(`--steps ${text}: expected whole percents from 1 to 100, such as 10,25,50,100`);
  if (steps.some((step, i) => i > 0 && step <= steps[i - 1]!))
    throw new Error(`--steps ${text}: expected ascending weights`);
  return steps;
}
