import type { AgentInfo } from '../registry-client.js';
import { renderTable } from '../table.js';

function age(iso: string | undefined, now: number): string {
  if (iso === undefined) return '';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  return ms < 1000
    ? 'now'
    : ms < 120_000
      ? `${Math.round(ms / 1000)}s ago`
      : `${Math.round(ms / 60_000)}m ago`;
}

/** At most three tool names, then a count, so the table stays readable; --json has them all. */
function tools(names: readonly string[]): string {
  if (names.length === 0) return '-';
  return names.length <= 3 ? names.join(',') : `${names.slice(0, 3).join(',')} +${names.length - 3}`;
}

/** `meshctl list`: one row per registered agent instance (replicas are separate rows). */
export function formatAgentList(agents: readonly AgentInfo[], now = Date.now()): string {
  if (agents.length === 0) return 'No agents registered.';
  const rows = [...agents]
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
    .map((a) => [
      a.name,
      a.id,
      a.status,
      a.endpoint,
      tools(a.capabilities.map((c) => c.function_name)),
      `${a.dependencies_resolved}/${a.total_dependencies}`,
      age(a.last_seen, now),
    ]);
  const healthy = agents.filter((a) => a.status === 'healthy').length;
  return `${renderTable(['NAME', 'ID', 'STATUS', 'ENDPOINT', 'TOOLS', 'DEPS', 'LAST SEEN'], rows)}\n\n${agents.length} instances, ${healthy} healthy`;
}

export interface AgentSummary {
  name: string;
  expected: number | undefined;
  healthy: number;
  total: number;
  ok: boolean;
}

/**
 * `meshctl status`: per agent name, healthy instances against the replicas architecture.yml expects.
 * An agent is ok when every expected replica is healthy and its dependencies are resolved.
 */
export function summarizeAgents(
  agents: readonly AgentInfo[],
  expected: ReadonlyMap<string, number>,
): AgentSummary[] {
  const names = new Set([...expected.keys(), ...agents.map((a) => a.name)]);
  return [...names].sort().map((name) => {
    const instances = agents.filter((a) => a.name === name);
    const healthy = instances.filter(
      (a) => a.status === 'healthy' && a.dependencies_resolved >= a.total_dependencies,
    ).length;
    const want = expected.get(name);
    return { name, expected: want, healthy, total: instances.length, ok: healthy >= (want ?? 1) };
  });
}

export function formatSummary(summary: readonly AgentSummary[]): string {
  return renderTable(
    ['AGENT', 'HEALTHY', 'EXPECTED', 'STATE'],
    summary.map((s) => [
      s.name,
      `${s.healthy}/${s.total}`,
      s.expected === undefined ? '-' : String(s.expected),
      s.ok ? 'ok' : s.total === 0 ? 'DOWN' : 'DEGRADED',
    ]),
  );
}
