import type { AgentRecord, AgentRegistration } from './types.js';

/**
 * Where other agents call this one: `http://host:port` (`https://` when the mesh runs mTLS), or `stdio://id`
 * for an agent without HTTP.
 */
export function agentEndpoint(registration: AgentRegistration, scheme: 'http' | 'https' = 'http'): string {
  if (registration.http_port <= 0) return `stdio://${registration.agent_id}`;
  const host = registration.http_host.includes(':') ? `[${registration.http_host}]` : registration.http_host;
  return `${scheme}://${host}:${registration.http_port}`;
}

/** The text compared to decide whether a full heartbeat changed anything (timestamps are not part of it). */
export function registrationSignature(registration: AgentRegistration): string {
  return JSON.stringify(registration);
}

/** Builds the stored record for a registration, keeping creation time from a previous record. */
export function toAgentRecord(
  registration: AgentRegistration,
  now: number,
  previous: AgentRecord | undefined,
  signature = registrationSignature(registration),
  scheme: 'http' | 'https' = 'http',
): AgentRecord {
  const wasHealthy = previous?.status === 'healthy';
  return {
    ...registration,
    endpoint: agentEndpoint(registration, scheme),
    signature,
    status: 'healthy',
    created_at: previous?.created_at ?? now,
    last_seen: now,
    status_changed_at: wasHealthy ? previous.status_changed_at : now,
  };
}

/** True when two records differ in anything resolution or listing shows (not just heartbeat time). */
export function topologyDiffers(a: AgentRecord, b: AgentRecord): boolean {
  return a.signature !== b.signature || a.status !== b.status || a.endpoint !== b.endpoint;
}
