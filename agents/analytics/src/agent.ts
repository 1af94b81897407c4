import { isMeshError, validateEach } from '@mesh/common';
import {
  analyticsRecordEvent,
  analyticsRecordEvents,
  analyticsReport,
  orderEventSchema,
} from '@mesh/contracts';
import { defineAgent } from '@mesh/runtime';
import type { AnalyticsService } from './analytics-service.js';

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

agent.tool({
  ...analyticsRecordEvent,
  name: 'analytics_record_event',
  tags: ['analytics', 'metrics'],
  handler: (input, ctx) => ctx.app.analytics.recordDurably(input),
});

agent.tool({
  ...analyticsRecordEvents,
  name: 'analytics_record_events',
  tags: ['analytics', 'metrics', 'batch'],
  handler: async (input, ctx) => {
    const { valid, rejected } = validateEach(orderEventSchema, input.events);
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
  ...analyticsReport,
  name: 'analytics_report',
  tags: ['analytics', 'reporting'],
  handler: (input, ctx) => ctx.app.analytics.report(input.window_minutes),
});
