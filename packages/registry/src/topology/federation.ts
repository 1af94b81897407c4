import { DEPENDENCY_CALLS, DEPENDENCY_DURATION_BUCKET } from './dependency-rates.js';
import type { Sample } from './prometheus-text.js';

/** A gauge every runtime exposes (packages/runtime/src/metrics.ts): its presence says Prometheus has the replica. */
export const REGISTRY_CONNECTED = 'mesh_registry_connected';

/** The families `/federate` is asked for, exactly (a prefix would also match `_count`, `_sum`, `_in_flight`…). */
export const FEDERATED_FAMILIES = [DEPENDENCY_CALLS, DEPENDENCY_DURATION_BUCKET, REGISTRY_CONNECTED] as const;

/** `<prometheus>/federate?match[]=…`: the latest sample of each series of the families the page reads. */
export function federateUrl(prometheusUrl: string): string {
  const match = `{__name__=~"${FEDERATED_FAMILIES.join('|')}"}`;
  return `${prometheusUrl.replace(/\/+$/, '')}/federate?${new URLSearchParams({ 'match[]': match })}`;
}

/** One replica's part of a federation answer, as if its own `/metrics` had been scraped at `atMs`. */
export interface ReplicaSamples {
  /** When Prometheus scraped it (the newest sample's timestamp). */
  readonly atMs: number;
  readonly samples: readonly Sample[];
}

/**
 * Splits a federation answer by replica, on the `agent_id` label the runtime puts on every series (the id it
 * registered with). Prometheus adds `instance` and `job` (and may rename a clashing `agent` to
 * `exported_agent`); rates ignore those labels, so they need no stripping. Series without `agent_id`
 * (another exporter's) are left out. `fallbackMs` is the time of a replica whose samples carry none.
 */
export function samplesByReplica(
  samples: readonly Sample[],
  fallbackMs: number,
): Map<string, ReplicaSamples> {
  const byReplica = new Map<string, { atMs: number; samples: Sample[] }>();
  for (const sample of samples) {
    const id = sample.labels['agent_id'];
    if (id === undefined || id === '') continue;
    let entry = byReplica.get(id);
    if (entry === undefined) {
      entry = { atMs: Number.NEGATIVE_INFINITY, samples: [] };
      byReplica.set(id, entry);
    }
    entry.samples.push(sample);
    entry.atMs = Math.max(entry.atMs, sample.timestampMs ?? fallbackMs);
  }
  return byReplica;
}
