import { REGISTRY_EVENT_TYPES } from '../core/types.js';
import type { EventFilter, RegistryEventType } from '../core/types.js';
import { AGENT_ID_PATTERN, invalidField } from '../core/validate-registration.js';
import type { Handler } from './context.js';
import { sendJsonText } from './respond.js';

const TYPES: ReadonlySet<string> = new Set(REGISTRY_EVENT_TYPES);

/** Reads the spec's `/events` filters; an invalid one is a 400 naming the parameter. */
export function parseEventFilter(query: URLSearchParams): EventFilter {
  const type = query.get('type') ?? undefined;
  if (type !== undefined && !TYPES.has(type))
    throw invalidField('type', `must be one of ${REGISTRY_EVENT_TYPES.join(', ')}`);
  const agentId = query.get('agent_id') ?? undefined;
  if (agentId !== undefined && !AGENT_ID_PATTERN.test(agentId)) {
    throw invalidField('agent_id', 'must be 1-64 characters of letters, digits, "_" or "-"');
  }
  const functionName = query.get('function_name') ?? undefined;
  const rawLimit = query.get('limit');
  let limit = 50;
  if (rawLimit !== null) {
    limit = /^\d+$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw invalidField('limit', 'expected an integer from 1 to 500');
  }
  return {
    ...(type === undefined ? {} : { type: type as RegistryEventType }),
    ...(agentId === undefined ? {} : { agent_id: agentId }),
    ...(functionName === undefined ? {} : { function_name: functionName }),
    limit,
  };
}

/** `GET /events`: the event log, newest first (spec EventsHistoryResponse). */
export const listEvents: Handler = async (req, res, ctx) => {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const events = await ctx.registry.listEvents(parseEventFilter(query));
  const body = {
    events: events.map((event) => ({ ...event, timestamp: new Date(event.timestamp).toISOString() })),
    count: events.length,
  };
  sendJsonText(res, 200, JSON.stringify(body));
};
