import { isMeshError, validateEach } from '@mesh/common';
import { defineAgent, z } from '@mesh/runtime';
import type { AnalyticsService } from './analytics-service.js';
import { MAX_AMOUNT } from './order-event.js';

/** What services.ts builds for the handlers. */
export interface AnalyticsServices {
  analytics: AnalyticsService;
}

/** analytics-agent: order events in, order rate, revenue, failure and compensation rates out. */
export const agent = defineAgent<AnalyticsServices>({
  name: 'analytics-agent',
  version: '1.0.0',
  description:
    'Records order events in batches and reports orders per minute, revenue, failure and compensation rates.',
});

const orderEvent = z.object({
  type: z.string().min(1).max(100),
  order_id: z.string().min(1).max(200),
  amount: z.number().nonnegative().max(MAX_AMOUNT).optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
});

/** Most events one `analytics_record_events` call takes. */
export const MAX_EVENTS_PER_CALL = 1000;

agent.tool({
  name: 'analytics_record_event',
  capability: 'analytics_record_event',
  version: '1.0.0',
  tags: ['analytics', 'metrics'],
  description:
    'Record an order event (type such as order_completed, order_failed, order_compensated; amount in major units). ' +
    'Answers once the event is stored (concurrent calls share one batch write); duplicates are ignored.',
  idempotent: true,
  input: orderEvent,
  output: z.object({ accepted: z.literal(true), duplicate: z.boolean() }),
  handler: (input, ctx) => ctx.app.analytics.recordDurably(input),
});

agent.tool({
  name: 'analytics_record_events',
  capability: 'analytics_record_events',
  version: '1.0.0',
  tags: ['analytics', 'metrics', 'batch'],
  description:
    `Record up to ${MAX_EVENTS_PER_CALL} order events in one call (each as analytics_record_event takes it). ` +
    'Each event is checked on its own: an invalid one (or one the store refuses) is listed in rejected and the ' +
    'others are recorded. Answers once the accepted events are stored.',
  idempotent: true,
  input: z.object({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_CALL) }),
  output: z.object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), error: z.string() })),
  }),
  handler: async (input, ctx) => {
    const { valid, rejected } = validateEach(orderEvent, input.events);
    const outcomes = await Promise.allSettled(
      valid.map(({ value }) => ctx.app.analytics.recordDurably(value)),
    );
    let accepted = 0;
    let duplicates = 0;
    outcomes.forEach((outcome, position) => {
      if (outcome.status === 'fulfilled') {
        accepted += 1;
        if (outcome.value.duplicate) duplicates += 1;
        return;
      }
      const reason: unknown = outcome.reason;
      // A failure of the store itself fails the call (nothing may be assumed stored); a refused row is listed.
      if (!isMeshError(reason, 'VALIDATION_FAILED')) throw reason;
      rejected.push({ index: valid[position]!.index, error: reason.message });
    });
    rejected.sort((a, b) => a.index - b.index);
    return { accepted, duplicates, rejected };
  },
});

agent.tool({
  name: 'analytics_report',
  capability: 'analytics_report',
  version: '1.0.0',
  tags: ['analytics', 'reporting'],
  description:
    'Orders per minute, revenue, completed/failed/compensated counts and rates over the last window_minutes (default 60).',
  idempotent: true,
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
  handler: (input, ctx) => ctx.app.analytics.report(input.window_minutes),
});
