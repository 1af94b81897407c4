import { MeshError, httpResponse } from '@mesh/common';
import { TopologySource } from '@mesh/registry/topology';
import type { DeclaredAgent, RegistryAgent } from '@mesh/registry/topology';
import type { ConnectionOptions } from 'node:tls';

const SCRAPE_TIMEOUT_MS = 1500;

export interface UiSourceOptions {
  readonly registryUrl: string;
  fetchAgents(): Promise<readonly RegistryAgent[]>;
  /** meshctl's operator certificate for a strict mesh; undefined for a plain one (read on first https use). */
  operatorTls(): ConnectionOptions | undefined;
  readonly tierOrder: readonly string[];
  readonly declared: readonly DeclaredAgent[];
  readonly refreshMs?: number;
  readonly scrapeMs?: number;
}

/** A metrics body over mTLS with the operator certificate for https, plain HTTP otherwise. */
async function fetchText(url: string, tls: () => ConnectionOptions | undefined): Promise<string> {
  const response = url.startsWith('https:')
    ? await httpResponse(url, { timeoutMs: SCRAPE_TIMEOUT_MS, tls: tls() ?? {} })
    : await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  if (!response.ok) throw new MeshError('REMOTE_ERROR', `${url} answered ${response.status}`);
  return response.text();
}

/** The topology `meshctl ui` draws: the registry's agents and each replica's `/metrics`. */
export function uiTopologySource(options: UiSourceOptions): TopologySource {
  return new TopologySource({
    registryUrl: options.registryUrl,
    fetchAgents: options.fetchAgents,
    fetchMetrics: (endpoint) => fetchText(`${endpoint.replace(/\/+$/, '')}/metrics`, options.operatorTls),
    tierOrder: options.tierOrder,
    declared: options.declared,
    ...(options.refreshMs === undefined ? {} : { refreshMs: options.refreshMs }),
    ...(options.scrapeMs === undefined ? {} : { scrapeMs: options.scrapeMs }),
  });
}
