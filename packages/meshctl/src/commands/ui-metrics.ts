import type { MeshState } from '../local/state.js';
import { reachableHost } from '../docker/published-ports.js';

/**
 * Where `meshctl ui` reads the edge rates: each healthy replica's `/metrics` at the endpoint it registered,
 * or one Prometheus's `/federate` (`advice` says what to do when it does not answer).
 */
export type UiMetrics =
  | { readonly kind: 'replicas' }
  | { readonly kind: 'prometheus'; readonly url: string; readonly advice: string };

export interface UiMetricsInput {
  /** `--prometheus URL`, else MESH_PROMETHEUS_URL. */
  readonly prometheusUrl?: string | undefined;
  /** The running mesh's state file, if any. */
  readonly state: MeshState | undefined;
}

/**
 * A Prometheus named explicitly wins. A Docker mesh's replicas registered compose-internal names
 * (https://order-agent-2:8080) that do not resolve on this machine, so its rates come from the monitoring
 * layer's Prometheus on its published port. A local mesh's replicas listen on loopback: scraped directly.
 */
export function chooseUiMetrics(input: UiMetricsInput): UiMetrics {
  if (input.prometheusUrl !== undefined && input.prometheusUrl !== '')
    return {
      kind: 'prometheus',
      url: input.prometheusUrl.replace(/\/+$/, ''),
      advice: 'check --prometheus / MESH_PROMETHEUS_URL',
    };
  const record = input.state?.mode === 'docker' ? input.state.compose : undefined;
  if (record === undefined) return { kind: 'replicas' };
  const layer = record.layers.includes('monitoring')
    ? 'the monitoring layer is in this start: is its prometheus container up?'
    : 'start the mesh with the monitoring layer (./scripts/start-multi-agent.sh --layer monitoring)';
  return {
    kind: 'prometheus',
    url: `http://${reachableHost(record.publishHost)}:${record.ports.prometheus}`,
    advice:
      'the replicas registered compose-internal addresses, unreachable from this machine, so the rates come ' +
      `from Prometheus: ${layer}, or name one with --prometheus URL`,
  };
}
