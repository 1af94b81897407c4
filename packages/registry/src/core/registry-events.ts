import type { AgentRecord, RegistryEvent } from './types.js';

/** The event for a full heartbeat that changed something: a first registration, a recovery or an update. */
export function changeEvent(
  record: AgentRecord,
  previous: AgentRecord | undefined,
  inserted: boolean,
  now: number,
): RegistryEvent {
  const base = { agent_id: record.agent_id, agent_name: record.name, timestamp: now };
  if (previous === undefined && inserted) {
    return {
      ...base,
      event_type: 'register',
      data: { endpoint: record.endpoint, tools: record.tools.length },
    };
  }
  if (previous !== undefined && previous.status !== 'healthy') {
    return {
      ...base,
      event_type: 'update',
      data: { reason: 'status_change', old_status: previous.status, new_status: 'healthy' },
    };
  }
  return {
    ...base,
    event_type: 'update',
    data: { reason: 'registration_changed', endpoint: record.endpoint },
  };
}

/** The event for a health monitor transition: `unhealthy` after silence, `expire` on eviction. */
export function healthEvent(
  type: 'unhealthy' | 'expire',
  agentId: string,
  agentName: string | undefined,
  now: number,
): RegistryEvent {
  return {
    event_type: type,
    agent_id: agentId,
    ...(agentName === undefined ? {} : { agent_name: agentName }),
    timestamp: now,
    data:
      type === 'unhealthy'
        ? { reason: 'heartbeat_timeout', old_status: 'healthy', new_status: 'unhealthy' }
        : { reason: 'evicted_after_unhealthy' },
  };
}
