import type { AgentRecord, DependenciesResolved, RegistryEvent, ResolvedEntry } from './types.js';

function providerOf(entry: ResolvedEntry | undefined): string | undefined {
  return entry !== undefined && entry.status === 'available' ? entry.agent_id : undefined;
}

/**
 * `dependency_resolved` / `dependency_unresolved` events for what changed between the resolution an agent was
 * last given (`previous`; undefined when this replica never answered it) and the one it gets now: one event per
 * tool dependency whose winner appeared, changed or went away. A change among the winner's replicas alone is
 * not an event. With no previous resolution, every dependency's current state is recorded.
 */
export function dependencyEvents(
  record: AgentRecord,
  previous: DependenciesResolved | undefined,
  next: DependenciesResolved,
  now: number,
): RegistryEvent[] {
  const events: RegistryEvent[] = [];
  for (const [functionName, entries] of Object.entries(next)) {
    const before = previous?.[functionName];
    entries.forEach((entry, index) => {
      const old = before?.[index];
      const oldProvider = providerOf(old);
      const base = {
        agent_id: record.agent_id,
        agent_name: record.name,
        function_name: functionName,
        timestamp: now,
      };
      if (entry.status === 'available') {
        if (old !== undefined && oldProvider === entry.agent_id) return;
        events.push({
          ...base,
          event_type: 'dependency_resolved',
          data: {
            capability: entry.capability,
            dependency_index: index,
            provider_agent_id: entry.agent_id,
            provider_function: entry.function_name,
            endpoint: entry.endpoint,
            providers: entry.providers.length,
            ...(oldProvider === undefined ? {} : { previous_agent_id: oldProvider }),
          },
        });
        return;
      }
      if (old !== undefined && oldProvider === undefined) return;
      events.push({
        ...base,
        event_type: 'dependency_unresolved',
        data: {
          capability: entry.capability,
          dependency_index: index,
          ...(oldProvider === undefined ? {} : { previous_agent_id: oldProvider }),
        },
      });
    });
  }
  return events;
}
