import { errorPercent } from './canary-metrics.js';
import type { VersionStats } from './canary-metrics.js';

export interface JudgeOptions {
  /** How many percentage points the canary's error ratio may exceed the stable one's. */
  readonly marginPoints: number;
  /** Fewer canary calls than this in an interval say nothing either way. */
  readonly minCalls: number;
}

export type Verdict = 'rollback' | 'advance' | 'wait';

export interface Judgement {
  readonly verdict: Verdict;
  readonly reason: string;
}

function percent(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(1)} %`;
}

/**
 * One interval's verdict: roll back when the canary failed more than the stable version by over the margin,
 * advance when it did not, wait when it served too few calls to tell. Stable without calls counts as 0 %.
 */
export function judge(
  stable: VersionStats | undefined,
  canary: VersionStats | undefined,
  options: JudgeOptions,
): Judgement {
  const canaryCalls = canary?.calls ?? 0;
  const stableRatio = errorPercent(stable) ?? 0;
  const canaryRatio = errorPercent(canary);
  if (canaryRatio === undefined || canaryCalls < options.minCalls) {
    return {
      verdict: 'wait',
      reason: `${canaryCalls} canary call(s), fewer than ${options.minCalls}: not enough to judge`,
    };
  }
  const detail =
    `canary errors ${percent(canaryRatio)} of ${canaryCalls}, stable ${percent(stableRatio)} ` +
    `of ${stable?.calls ?? 0}, margin ${options.marginPoints} points`;
  return canaryRatio > stableRatio + options.marginPoints
    ? { verdict: 'rollback', reason: detail }
    : { verdict: 'advance', reason: detail };
}
