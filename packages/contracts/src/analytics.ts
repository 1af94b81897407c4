import { z } from 'zod';
import { defineContract } from './define-contract.js';

/** The analytics agent's capabilities: order events in, rates and revenue out. */

/**
 * Largest amount in major units: its cents must be an exact JavaScript integer, which also keeps it well
 * inside the `bigint` column.
 */
export const MAX_EVENT_AMOUNT = Math.floor(Number.MAX_SAFE_INTEGER / 100);
/** Most events one `analytics_record_events` call takes. */
export const MAX_EVENTS_PER_CALL = 1000;

export const orderEventSchema = z.object({
  type: z.string().min(1).max(100),
  order_id: z.string().min(1).max(200),
  amount: z.number().nonnegative().max(MAX_EVENT_AMOUNT).optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
});

export const analyticsRecordEvent = defineContract({
  capability: 'analytics_record_event',
  version: '1.0.0',
  description:
    'Record an order event (type such as order_completed, order_failed, order_compensated; amount in major units). ' +
    'Answers once the event is stored (concurrent calls share one batch write); duplicates are ignored.',
  input: orderEventSchema,
  output: z.object({ accepted: z.literal(true), duplicate: z.boolean() }),
  idempotent: true,
});

export const analyticsRecordEvents = defineContract({
  capability: 'analytics_record_events',
  version: '1.0.0',
  description:
    `Record up to ${MAX_EVENTS_PER_CALL} order events in one call (each as analytics_record_event takes it). ` +
    'Each event is checked on its own: an invalid one (or one the store refuses) is listed in rejected and the ' +
    'others are recorded. Answers once the accepted events are stored.',
  input: z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_CALL) }),
  output: z.object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), error: z.string() })),
  }),
  idempotent: true,
});

export const analyticsReport = defineContract({
  capability: 'analytics_report',
  version: '1.0.0',
  description:
    'Orders per minute, revenue, completed/failed/compensated counts and rates over the last window_minutes (default 60).',
  input: z.object({ window_minutes: z.number().int().min(1).max(10_080).optional() }),
  output: z.object({
    window_minutes: z.number(),
    orders_per_minute: z.number(),
    revenue: z.number(),
    completed: z.number(),
    failed: z.number(),
    compensated: z.number(),
    failure_rate: z.number(),
    compensation_rate: z.number(),
    unflushed: z.number(),
    generated_at: z.string(),
  }),
  idempotent: true,
});
