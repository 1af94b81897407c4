import { isRunning, type ProcessRecord } from '../local/state.js';
import type { AgentInfo } from '../registry-client.js';
import { renderTable } from '../table.js';

/**
 * One agent in `meshctl status`. The rules:
 * - a registration counts only while the registry reports it `healthy`; one it reports otherwise (`unhealthy`:
 *   no heartbeat for the registry's DEFAULT_TIMEOUT_THRESHOLD, 20 s by default) is stale, listed apart and
 *   ignored until the registry evicts it;
 * - a replica is ready when its required dependencies resolve; optional ones never degrade it;
 * - a local process recorded in `.mesh/state.json` whose pid no longer runs is DOWN, whatever the registry says,
 *   and its registration (same endpoint) does not count as live while the registry has yet to notice.
 */
export interface AgentStatus {
  readonly name: string;
  /** Replicas architecture.yml expects; undefined for an agent it does not list. */
  readonly expected: number | undefined;
  /** Registrations the registry reports healthy. */
  readonly live: number;
  /** Live registrations whose required dependencies all resolve. */
  readonly ready: number;
  /** Registrations the registry reports unhealthy: ignored. */
  readonly stale: number;
  /** Required capabilities unresolved on some live registration, sorted. */
  readonly missing: readonly string[];
  /** Local processes of this agent recorded but not running. */
  readonly down: readonly { replica: number; pid: number }[];
  readonly state: 'ok' | 'DEGRADED' | 'DOWN';
  readonly ok: boolean;
}

const REQUIRED_REASON = /required dep '([^']+)'/;

/** Required capabilities one registration lacks: our registry flags them; the official names one per tool. */
function missingRequired(agent: AgentInfo): string[] {
  const missing = (agent.dependency_resolutions ?? [])
    .filter((r) => r.required === true && r.status !== 'available')
    .map((r) => r.capability);
  for (const capability of agent.capabilities) {
    const named =
      capability.available === false ? REQUIRED_REASON.exec(capability.unavailable_reason ?? '') : null;
    if (named?.[1] !== undefined) missing.push(named[1]);
  }
  return missing;
}

/** Per agent name (architecture.yml's and the registry's): replicas, what is missing, what is down. */
export function summarizeStatus(
  agents: readonly AgentInfo[],
  expected: ReadonlyMap<string, number>,
  processes: readonly ProcessRecord[] = [],
): AgentStatus[] {
  const names = new Set([...expected.keys(), ...agents.map((a) => a.name)]);
  const deadEndpoints = new Set(processes.filter((p) => !isRunning(p) && p.url).map((p) => p.url));
  return [...names].sort().map((name): AgentStatus => {
    const registrations = agents.filter((a) => a.name === name);
    const live = registrations.filter((a) => a.status === 'healthy' && !deadEndpoints.has(a.endpoint));
    const lacking = live.map(missingRequired);
    const ready = lacking.filter((missing) => missing.length === 0).length;
    const down = processes
      .filter((p) => p.kind === 'agent' && p.name === name && !isRunning(p))
      .map((p) => ({ replica: p.replica, pid: p.pid }));
    const want = expected.get(name);
    const ok = ready >= (want ?? 1) && down.length === 0;
    return {
      name,
      expected: want,
      live: live.length,
      ready,
      stale: registrations.length - live.length,
      missing: [...new Set(lacking.flat())].sort(),
      down,
      state: ok ? 'ok' : live.length === 0 ? 'DOWN' : 'DEGRADED',
      ok,
    };
  });
}

function problems(status: AgentStatus): string {
  const parts: string[] = [];
  const want = status.expected ?? 1;
  if (status.live < want) parts.push(`${want - status.live} of ${want} replicas not live`);
  if (status.missing.length > 0) parts.push(`missing required: ${status.missing.join(', ')}`);
  for (const d of status.down) parts.push(`process #${d.replica} (pid ${d.pid}) not running`);
  return parts.join('; ');
}

/** The agents table: READY is ready replicas against the expected ones. */
export function formatStatusSummary(summary: readonly AgentStatus[]): string {
  const table = renderTable(
    ['AGENT', 'READY', 'STATE', 'PROBLEMS'],
    summary.map((s) => [s.name, `${s.ready}/${s.expected ?? s.live}`, s.state, problems(s)]),
  );
  const stale = summary.reduce((sum, s) => sum + s.stale, 0);
  return stale === 0
    ? table
    : `${table}\n(${stale} stale registrations ignored: the registry reports them unhealthy, no recent heartbeat)`;
}

/** Every recorded local process with whether it still runs (a dead one is DOWN, not hidden). */
export function formatProcessTable(processes: readonly ProcessRecord[], root: string): string {
  return renderTable(
    ['KIND', 'NAME', 'REPLICA', 'PID', 'STATE', 'URL', 'LOG'],
    processes.map((p) => [
      p.kind,
      p.name,
      p.kind === 'agent' ? String(p.replica) : '',
      String(p.pid),
      isRunning(p) ? 'running' : 'DOWN',
      p.url ?? '',
      p.log.replace(`${root}/`, ''),
    ]),
  );
}
