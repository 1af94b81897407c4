import type { ConnectionOptions } from 'node:tls';
import { httpRequest } from '@mesh/common';
import type { AgentInfo, RegistryClient } from '../registry-client.js';
import { addExposition } from './canary-metrics.js';
import type { VersionTotals } from './canary-metrics.js';

/** One scrape of the consumers of an agent's capabilities. */
export interface ConsumerSample {
  readonly totals: VersionTotals;
  /** Consumer replicas scraped, and those that did not answer (skipped). */
  readonly scraped: number;
  readonly failed: readonly string[];
}

/** The capabilities every registered replica named `agentName` provides. */
export function capabilitiesOf(agents: readonly AgentInfo[], agentName: string): Set<string> {
  return new Set(
    agents.filter((a) => a.name === agentName).flatMap((a) => a.capabilities.map((c) => c.name)),
  );
}

/**
 * Scrapes `/metrics` of every healthy replica that depends on the agent's capabilities. The consumers, not
 * the agent's own replicas, because they see what a caller sees: a canary that crashes or hangs cannot count
 * its own failures, while its callers count every timeout and refused connection, labelled with its version.
 * In a strict mesh over mTLS with the operator certificate (an agent's /metrics needs a mesh identity).
 */
export async function sampleConsumers(
  registry: RegistryClient,
  agentName: string,
  tls: ConnectionOptions | undefined,
): Promise<ConsumerSample> {
  const agents = await registry.agents();
  const capabilities = capabilitiesOf(agents, agentName);
  const consumers = agents.filter(
    (a) =>
      a.status === 'healthy' &&
      a.name !== agentName &&
      (a.dependency_resolutions ?? []).some((r) => capabilities.has(r.capability)),
  );
  const totals: VersionTotals = new Map();
  const failed: string[] = [];
  await Promise.all(
    consumers.map(async (consumer) => {
      try {
        const answer = await httpRequest(`${consumer.endpoint.replace(/\/+$/, '')}/metrics`, {
          timeoutMs: 3000,
          ...(tls === undefined ? {} : { tls }),
        });
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
        addExposition(answer.text, capabilities, totals);
      } catch {
        failed.push(consumer.id);
      }
    }),
  );
  return { totals, scraped: consumers.length - failed.length, failed };
}

/** The version most healthy replicas of the agent run, other than `canaryVersion` (the stable one). */
export function stableVersionOf(
  agents: readonly AgentInfo[],
  agentName: string,
  canaryVersion: string,
): string | undefined {
  const counts = new Map<string, number>();
  for (const agent of agents) {
    if (agent.name !== agentName || agent.status !== 'healthy' || agent.version === undefined) continue;
    if (agent.version === canaryVersion) continue;
    counts.set(agent.version, (counts.get(agent.version) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}
