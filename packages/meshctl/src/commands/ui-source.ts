import { MeshError, httpResponse } from '@mesh/common';
import { TopologySource } from '@mesh/registry/topology';
import type { DeclaredAgent, MetricsFrom, RegistryAgent } from '@mesh/registry/topology';
import type { ConnectionOptions } from 'node:tls';
import type { UiMetrics } from './ui-metrics.js';

/** One replica's /metrics is small and on loopback; a federation answer covers the whole mesh. */
const SCRAPE_TIMEOUT_MS = 1500;
const FEDERATE_TIMEOUT_MS = 3000;

export interface UiSourceOptions {
  readonly registryUrl: string;
  fetchAgents(): Promise<readonly RegistryAgent[]>;
  /** meshctl's operator certificate for a strict mesh; undefined for a plain one (read on first https use). */
  operatorTls(): ConnectionOptions | undefined;
  readonly tierOrder: readonly string[];
  readonly declared: readonly DeclaredAgent[];
  readonly refreshMs?: number;
  readonly scrapeMs?: number;
  /** Where the rates come from (chooseUiMetrics). */
  readonly metrics: UiMetrics;
}

/** A metrics body over mTLS with the operator certificate for https, plain HTTP otherwise. */
async function fetchText(
  url: string,
  tls: () => ConnectionOptions | undefined,
  timeoutMs = SCRAPE_TIMEOUT_MS,
): Promise<string> {
  const response = url.startsWith('https:')
    ? await httpResponse(url, { timeoutMs, tls: tls() ?? {} })
    : await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new MeshError('REMOTE_ERROR', `${url} answered ${response.status}`);
  return response.text();
}

function metricsFrom(options: UiSourceOptions): MetricsFrom {
  const choice = options.metrics;
  if (choice.kind === 'prometheus')
    return {
      kind: 'prometheus',
      url: choice.url,
      fetch: (url) => fetchText(url, options.operatorTls, FEDERATE_TIMEOUT_MS),
      advice: choice.advice,
    };
  return {
    kind: 'replicas',
    fetch: (endpoint) => fetchText(`${endpoint.replace(/\/+$/, '')}/metrics`, options.operatorTls),
  };
}

/** The topology `meshctl ui` draws: the registry's agents, and the rates from the replicas or a Prometheus. */
export function uiTopologySource(options: UiSourceOptions): TopologySource {
  return new TopologySource({
    registryUrl: options.registryUrl,
    fetchAgents: options.fetchAgents,
    metrics: metricsFrom(options),
    tierOrder: options.tierOrder,
    declared: options.declared,
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
    ...(options.scrapeMs === undefined ? {} : { scrapeMs: options.scrapeMs }),
  });
}
