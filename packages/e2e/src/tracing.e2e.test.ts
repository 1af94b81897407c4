import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseTraceparent } from '@mesh/common';
import { realServerUrl, startOtlpReceiver, waitFor, deleteQueues } from '@mesh/testkit';
import type { CollectedSpan, OtlpReceiver } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, postOrder } from './support/api.js';
import { dropDatabasesWithPrefix } from './support/databases.js';
import { startSystem, type StartedSystem } from './system/harness.js';

const postgresUrl = realServerUrl('postgres');
const rabbitmqUrl = realServerUrl('rabbitmq');

/** The spans of one trace, with helpers to find one and to check that it hangs together. */
class Trace {
  constructor(readonly spans: CollectedSpan[]) {}

  find(predicate: (span: CollectedSpan) => boolean, what: string): CollectedSpan {
    const span = this.spans.find(predicate);
    if (!span) throw new Error(`no ${what} in the trace:\n${this.describe()}`);
    return span;
  }

  named(service: string, name: string): CollectedSpan {
    return this.find((span) => span.service === service && span.name === name, `${service} span "${name}"`);
  }

  byId(spanId: string): CollectedSpan | undefined {
    return this.spans.find((span) => span.spanId === spanId);
  }

  /** Spans whose parent is not in the trace (only the root should be). */
  orphans(): CollectedSpan[] {
    return this.spans.filter(
      (span) => span.parentSpanId !== '' && this.byId(span.parentSpanId) === undefined,
    );
  }

  describe(): string {
    return this.spans
      .map(
        (span) =>
          `  ${span.service} ${span.kind} "${span.name}" ${span.spanId} <- ${span.parentSpanId || 'root'}`,
      )
      .join('\n');
  }
}

/**
 * One order through the whole system started as users start it, on the real PostgreSQL and RabbitMQ of
 * scripts/test-servers.sh, with every process exporting spans (OTLP/HTTP protobuf, the default) to a receiver
 * in this test: the order must be ONE trace, from the gateway's root span through the order agent's tool and
 * saga spans, the other agents' tools, PostgreSQL, the payment gateway's HTTP, SMTP and the bus to analytics.
 */
describe.skipIf(!postgresUrl || !rabbitmqUrl)('one order is one trace across the mesh', () => {
  const run = randomBytes(3).toString('hex');
  const prefix = `e2e_trace_${run}_`;
  const queue = `e2e-trace-${run}.order-events`;
  const emailQueue = `e2e-trace-${run}.order-emails`;
  let receiver: OtlpReceiver;
  let system: StartedSystem;
  let token: string;

  /** Waits until the trace holds every span `complete` asks for and no span's parent is missing. */
  const traceOf = (traceId: string, complete: (trace: Trace) => boolean): Promise<Trace> =>
    waitFor(
      () => {
        const trace = new Trace(receiver.spans().filter((span) => span.traceId === traceId));
        return complete(trace) && trace.orphans().length === 0 ? trace : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: `the spans of trace ${traceId}` },
    ).catch((error: unknown) => {
      const trace = new Trace(receiver.spans().filter((span) => span.traceId === traceId));
      throw new Error(`${String(error)}\n${trace.describe()}`);
    });

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    system = await startSystem({
      env: {
        DATABASE_URL: postgresUrl!,
        MESH_DATABASE_PREFIX: prefix,
        RABBITMQ_URL: rabbitmqUrl!,
        ANALYTICS_QUEUE: queue,
        NOTIFICATION_QUEUE: emailQueue,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME_PREFIX: 'mesh',
        // Flush spans every 500 ms instead of 5 s, so the test waits less.
        OTEL_BSP_SCHEDULE_DELAY: '500',
      },
      timeoutMs: 240_000,
    });
    token = await login(system.gatewayUrl, 'user-11');
  });

  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
    await dropDatabasesWithPrefix(postgresUrl!, prefix).catch(() => undefined);
    await deleteQueues(rabbitmqUrl!, [queue, emailQueue]);
  });

  it('follows a completed order from the gateway through RabbitMQ to analytics and notification in one trace', async () => {
    const orderId = `trace-${run}-ok`;
    const response = await postOrder(system.gatewayUrl, token, {
      order_id: orderId,
      user_id: 'user-11',
      items: [{ sku: 'ITEM-1', quantity: 1 }],
    });
    expect(response.status).toBe(200);
    const traceId = parseTraceparent(response.headers.get('traceparent'))!.traceId;

    const trace = await traceOf(
      traceId,
      (candidate) =>
        candidate.spans.some(
          (span) => span.name === `process ${queue}` && span.attributes['mesh.outcome'] === 'acked',
        ) &&
        candidate.spans.some(
          (span) => span.name === `process ${emailQueue}` && span.attributes['mesh.outcome'] === 'acked',
        ) &&
        candidate.spans.some((span) => span.name === 'smtp send'),
    );

    // The gateway's server span is the root; everything else hangs from it.
    const root = trace.named('mesh-api-gateway', 'POST /orders');
    expect(root).toMatchObject({ kind: 'server', parentSpanId: '', status: 'unset' });
    expect(root.attributes).toMatchObject({ 'order.id': orderId, 'http.response.status_code': 200 });
    expect(trace.orphans()).toEqual([]);

    // Gateway -> order agent: a client span (one per attempt: a dropped pooled connection is sent again), then
    // the tool's server span under the attempt that reached it.
    const tool = trace.named('mesh-order-agent', 'tool process_order');
    expect(tool.kind).toBe('server');
    expect(tool.attributes).toMatchObject({ 'order.id': orderId, 'mesh.outcome': 'ok' });
    const call = trace.byId(tool.parentSpanId)!;
    expect(call).toMatchObject({
      service: 'mesh-api-gateway',
      name: 'call order_processing',
      kind: 'client',
    });
    expect(call.parentSpanId).toBe(root.spanId);

    // The saga's calls are client spans of the tool, each served by a tool span of the agent it reached. The
    // price comes with the reservation: no inventory_quote call. The commit goes out as a batch (of one here:
    // a batch carries the trace of its first order).
    expect(trace.spans.filter((span) => span.name === 'call inventory_quote')).toEqual([]);
    for (const capability of [
      'user_get',
      'inventory_reserve_items',
      'payment_process',
      'inventory_commit_reservations',
    ]) {
      const attempts = trace.spans.filter(
        (span) => span.service === 'mesh-order-agent' && span.name === `call ${capability}`,
      );
      expect(attempts.length, capability).toBeGreaterThan(0);
      for (const attempt of attempts)
        expect(attempt, capability).toMatchObject({ kind: 'client', parentSpanId: tool.spanId });
      const served = trace.find(
        (span) => span.kind === 'server' && attempts.some((attempt) => attempt.spanId === span.parentSpanId),
        `the server span of ${capability}`,
      );
      expect(served.name).toMatch(/^tool /);
    }

    // PostgreSQL: the order agent's own writes, and the database and payment agents' queries.
    const pgServices = new Set(
      trace.spans
        .filter((span) => span.scope === '@opentelemetry/instrumentation-pg')
        .map((span) => span.service),
    );
    for (const service of ['mesh-order-agent', 'mesh-database-agent', 'mesh-payment-agent'])
      expect(pgServices, service).toContain(service);

    // Outbound HTTP: the payment agent's charge at the payment gateway.
    const charge = trace.find(
      (span) =>
        span.service === 'mesh-payment-agent' &&
        span.kind === 'client' &&
        span.scope === '@opentelemetry/instrumentation-http',
      'the payment gateway request',
    );
    // The instrumentation's attribute names follow OTEL_SEMCONV_STABILITY_OPT_IN (old names unless it says http).
    expect(charge.attributes['http.response.status_code'] ?? charge.attributes['http.status_code']).toBe(200);

    // RabbitMQ: the order agent publishes orders.created when it stores the order and orders.completed when
    // it is done; analytics processes both, notification the second, each in the same trace under its producer.
    const published = (topic: string) =>
      trace.find(
        (span) =>
          span.service === 'mesh-order-agent' &&
          span.name === 'publish mesh.events' &&
          span.attributes['messaging.rabbitmq.destination.routing_key'] === topic,
        `the publish of ${topic}`,
      );
    const publish = published('orders.completed');
    expect(publish.kind).toBe('producer');
    expect(publish.attributes).toMatchObject({ 'messaging.system': 'rabbitmq' });
    expect(published('orders.created').kind).toBe('producer');
    const consumed = (service: string, name: string) =>
      trace.find(
        (span) => span.service === service && span.name === name && span.parentSpanId === publish.spanId,
        `${service}'s ${name} of orders.completed`,
      );
    const analytics = consumed('mesh-analytics-agent', `process ${queue}`);
    expect(analytics.kind).toBe('consumer');
    expect(analytics.attributes['mesh.outcome']).toBe('acked');
    const emails = consumed('mesh-notification-agent', `process ${emailQueue}`);
    expect(emails.kind).toBe('consumer');
    expect(emails.attributes['mesh.outcome']).toBe('acked');

    // SMTP: the confirmation email, sent by the notification agent's consumer (not a direct call).
    const smtp = trace.named('mesh-notification-agent', 'smtp send');
    expect(smtp).toMatchObject({ kind: 'client', parentSpanId: emails.spanId });
    expect(trace.spans.some((span) => span.name === 'call notification_send_emails')).toBe(false);

    // The order agent's log lines for this order carry the trace id and the id of the tool span they ran in.
    const orderLog = system.state.processes.find((process) => process.name === 'order-agent')!.log;
    const lines = readFileSync(orderLog, 'utf8')
      .split('\n')
      .filter((line) => line.includes(orderId))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    const toolSpans = trace.spans
      .filter((span) => span.name === 'tool process_order')
      .map((span) => span.spanId);
    for (const line of lines) {
      expect(line['trace_id']).toBe(traceId);
      expect(toolSpans).toContain(line['span_id']);
    }
  });

  it('marks a declined order as an error from the gateway down to the charge', async () => {
    const orderId = `trace-${run}-declined`;
    const response = await postOrder(system.gatewayUrl, token, {
      order_id: orderId,
      user_id: 'user-11',
      items: [{ sku: 'ITEM-1', quantity: 1 }],
      payment_method: 'tok_chargeDeclined',
    });
    expect(response.status).toBe(402);
    const traceId = parseTraceparent(response.headers.get('traceparent'))!.traceId;
    const trace = await traceOf(traceId, (candidate) =>
      candidate.spans.some((span) => span.name === 'tool payment_process'),
    );
    for (const [service, name] of [
      ['mesh-api-gateway', 'POST /orders'],
      ['mesh-order-agent', 'tool process_order'],
      ['mesh-payment-agent', 'tool payment_process'],
    ] as const) {
      const span = trace.named(service, name);
      expect(span.status, name).toBe('error');
      expect(span.attributes['mesh.outcome'], name).toBe('PAYMENT_DECLINED');
    }
  });
});
