/**
 * What the monitoring tests share: series that come from outside our sources (the broker's plugin), and reading
 * the metric names of a PromQL expression.
 */

/**
 * Series of RabbitMQ's rabbitmq_prometheus plugin (3.10 and later) that the dashboard and alerts read: the
 * aggregated `/metrics` and the per-queue `/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count`.
 * No source of ours registers them; the dashboard test (packages/e2e) reads them from a real broker.
 */
export const BROKER_SERIES = [
  'rabbitmq_detailed_queue_messages',
  'rabbitmq_detailed_queue_messages_ready',
  'rabbitmq_detailed_queue_messages_unacked',
  'rabbitmq_detailed_queue_consumers',
  'rabbitmq_global_messages_received_total',
  'rabbitmq_global_messages_routed_total',
  'rabbitmq_global_messages_delivered_total',
  'rabbitmq_global_messages_acknowledged_total',
  'rabbitmq_global_messages_unroutable_dropped_total',
  'rabbitmq_connections',
  'rabbitmq_channels',
];

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads (functions, keywords, label names and numbers left out). */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/([a-zA-Z_:][\w:]*)\s*(\()?/g)) {
    const [, word, call] = match as unknown as [string, string, string | undefined];
    if (call !== undefined || KEYWORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}
