/** What one registry measured, and how the bench prints it next to the others. */
export type Phase = 'post' | 'head' | 'fixed' | 'agents';

export interface Figures {
  postRps: number;
  postP50: number;
  postP99: number;
  headRps: number;
  headP50: number;
  headP99: number;
  fixedP99: number;
  fixedRps: number;
  fixedLagP99: number;
  fixedGcMax: number;
  agentsP50: number;
  agentsP99: number;
  agentsRps: number;
  /** Failed requests (transport errors, timeouts, non-2xx) per phase. */
  errors: Record<Phase, number>;
  /** Agents re-registered because the registry no longer listed them healthy, before the HEAD phases. */
  reRegistered: number;
}

export const EMPTY_FIGURES: Figures = {
  postRps: 0,
  postP50: 0,
  postP99: 0,
  headRps: 0,
  headP50: 0,
  headP99: 0,
  fixedP99: 0,
  fixedRps: 0,
  fixedLagP99: 0,
  fixedGcMax: 0,
  agentsP50: 0,
  agentsP99: 0,
  agentsRps: 0,
  errors: { post: 0, head: 0, fixed: 0, agents: 0 },
  reRegistered: 0,
};

export interface Measured {
  readonly label: string;
  readonly figures: Figures;
}

/** The measured figures, one row per registry. */
export function figuresTable(results: readonly Measured[]): string {
  const rows = results.map(
    ({ label, figures: f }) =>
      `| ${label} | ${f.postRps.toFixed(0)} | ${f.postP50} / ${f.postP99} ms | ${f.headRps.toFixed(0)} ` +
      `| ${f.headP50} / ${f.headP99} ms | ${f.fixedP99} ms (${f.fixedRps.toFixed(0)}/s, lag ${f.fixedLagP99} ms, ` +
      `GC ${f.fixedGcMax} ms) | ${f.agentsP50} / ${f.agentsP99} ms | ${f.agentsRps.toFixed(0)} ` +
      `| ${f.errors.post} / ${f.errors.head} / ${f.errors.fixed} / ${f.errors.agents} | ${f.reRegistered} |`,
  );
  return [
    '| Registry | Full heartbeats/s | POST p50 / p99 | HEAD/s | HEAD p50 / p99 | HEAD p99 at 2,000/s | GET /agents p50 / p99 | GET /agents/s | Failed requests (POST / HEAD / fixed / agents) | Re-registered before HEAD |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * How many times better ours is: throughput ours/official, latency official/ours. Blank without a figure;
 * `n/a` when either side failed requests in that phase (a 410 is fast but measures nothing). A latency that
 * rounded to 0 ms on our side gives a lower bound.
 */
function times(ours: number, official: number, lowerIsBetter: boolean, failed: boolean): string {
  if (failed) return 'n/a';
  if (official === 0) return '';
  if (ours === 0) return lowerIsBetter ? `>${official.toFixed(0)}x` : '';
  return `${(lowerIsBetter ? official / ours : ours / official).toFixed(1)}x`;
}

function storeOf(label: string): string {
  return label.slice(label.indexOf('('));
}

/** Ours against each official registry; a pair on the same store is the like-for-like one. */
export function ratioTable(results: readonly Measured[]): string {
  const officials = results.filter((r) => r.label.startsWith('official'));
  const ours = results.filter((r) => !r.label.startsWith('official'));
  const rows: string[] = [];
  for (const mine of ours) {
    for (const theirs of officials) {
      const o = mine.figures;
      const t = theirs.figures;
      const failed = (phase: Phase) => o.errors[phase] > 0 || t.errors[phase] > 0;
      const same = storeOf(mine.label) === storeOf(theirs.label) ? ' (same store)' : '';
      const cells = [
        times(o.postRps, t.postRps, false, failed('post')),
        times(o.postP50, t.postP50, true, failed('post')),
        times(o.postP99, t.postP99, true, failed('post')),
        times(o.headRps, t.headRps, false, failed('head')),
        times(o.headP99, t.headP99, true, failed('head')),
        times(o.fixedP99, t.fixedP99, true, failed('fixed')),
        times(o.agentsP50, t.agentsP50, true, failed('agents')),
        times(o.agentsP99, t.agentsP99, true, failed('agents')),
        times(o.agentsRps, t.agentsRps, false, failed('agents')),
      ];
      rows.push(`| ${mine.label} vs ${theirs.label}${same} | ${cells.join(' | ')} |`);
    }
  }
  if (rows.length === 0) return '';
  return [
    '| Ours vs official | Full heartbeats/s | POST p50 | POST p99 | HEAD/s | HEAD p99 | HEAD p99 at 2,000/s | GET /agents p50 | GET /agents p99 | GET /agents/s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
