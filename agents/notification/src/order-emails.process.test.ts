import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus } from '@mesh/backends';
import {
  callTool,
  createTestDatabase,
  freePort,
  privateRabbitmqAvailable,
  realServerUrl,
  startNode,
  startPrivateRabbitmq,
  startRegistryProcess,
  stopAllProcesses,
  waitFor,
  waitForAgentUrl,
  waitForHttp,
  type PrivateRabbitmq,
  type RegistryProcess,
  type StartedProcess,
  type TestDatabase,
} from '@mesh/testkit';

const dist = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const notificationMain = dist('../dist/main.js');
const sinkMain = dist('../../../packages/sandboxes/dist/smtp-sink.js');
const postgresUrl = realServerUrl('postgres');
const canRun = postgresUrl !== undefined && privateRabbitmqAvailable();

/** An `orders.completed` event as the order agent publishes it. */
function completed(orderId: string) {
  return {
    type: 'orders.completed',
    order_id: orderId,
    amount: 19.98,
    currency: 'usd',
    occurred_at: new Date().toISOString(),
    confirmation: {
      to: `${orderId}@example.com`,
      subject: `Order ${orderId} confirmed`,
      body: 'Your order has been processed successfully.',
    },
  };
}

describe.skipIf(!canRun)(
  'notification-agent: one confirmation email per order from orders.completed events',
  { timeout: 180_000 },
  () => {
    const suffix = randomBytes(4).toString('hex');
    const queue = `notification.emails.${suffix}`;
    let broker: PrivateRabbitmq;
    let database: TestDatabase;
    let registry: RegistryProcess;
    let smtpPort: number;
    let inbox: string;
    let publisher: EventBus;

    async function startConsumer(): Promise<{ process: StartedProcess; url: string }> {
      const started = startNode(notificationMain, [], {
        env: {
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtpPort),
          DATABASE_URL: database.url,
          RABBITMQ_URL: broker.url,
          NOTIFICATION_QUEUE: queue,
          MCP_MESH_REGISTRY_URL: registry.url,
          MCP_MESH_HTTP_PORT: '0',
          MCP_MESH_LOG_LEVEL: 'INFO',
        },
      });
      return { process: started, url: await waitForAgentUrl(started, 60_000) };
    }

    /** Emails in the sink per subject, with the Message-IDs of their copies. */
    async function emailsBySubject(): Promise<Map<string, string[]>> {
      const list = (await (await fetch(inbox)).json()) as Array<{
        subject: string;
        message_id: string | null;
      }>;
      const copies = new Map<string, string[]>();
      for (const { subject, message_id } of list) {
        copies.set(subject, [...(copies.get(subject) ?? []), message_id ?? '(none)']);
      }
      return copies;
    }

    /** Waits until every order has an email, then a moment more for late copies; returns the inbox. */
    async function awaitEmails(
      orders: readonly string[],
      context: () => string,
    ): Promise<Map<string, string[]>> {
      const subjects = orders.map((orderId) => `Order ${orderId} confirmed`);
      await waitFor(
        async () => {
          const copies = await emailsBySubject();
          return subjects.every((subject) => copies.has(subject)) ? true : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 500, description: 'an email for every order' },
      ).catch(async (error: unknown) => {
        const copies = await emailsBySubject();
        const missing = subjects.filter((subject) => !copies.has(subject));
        throw new Error(
          `${String(error)}; missing ${missing.length}: ${missing.slice(0, 5).join(', ')}\n${context()}`,
        );
      });
      // Redeliveries still in flight would land now: give them a moment, then count.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return emailsBySubject();
    }

    async function queueDepths(): Promise<{ queue: number; dlq: number }> {
      const connection = await amqp.connect(broker.url);
      try {
        const channel = await connection.createChannel();
        return {
          queue: (await channel.checkQueue(queue)).messageCount,
          dlq: (await channel.checkQueue(`${queue}.dlq`)).messageCount,
        };
      } finally {
        await connection.close();
      }
    }

    /** Publishes until the broker confirms (it may be restarting), bounded in time. */
    async function publish(orderId: string): Promise<void> {
      await waitFor(
        async () =>
          (await publisher.publish('orders.completed', completed(orderId), {
            messageId: `${orderId}:orders.completed`,
          }))
            ? true
            : undefined,
        { timeoutMs: 60_000, intervalMs: 250, description: `publish of ${orderId} confirmed` },
      );
    }

    beforeAll(async () => {
      for (const script of [notificationMain, sinkMain]) {
        if (!existsSync(script)) throw new Error(`${script} is missing: build first (pnpm turbo run build)`);
      }
      [broker, database, registry] = await Promise.all([
        startPrivateRabbitmq(),
        createTestDatabase(postgresUrl!, 'notification_once'),
        startRegistryProcess(),
      ]);
      smtpPort = await freePort();
      const inboxPort = await freePort();
      startNode(sinkMain, [], {
        env: { SMTP_PORT: String(smtpPort), HTTP_PORT: String(inboxPort), LOG_LEVEL: 'warn' },
      });
      inbox = `http://127.0.0.1:${inboxPort}/messages`;
      await waitForHttp(inbox, { status: 200 });
      publisher = createEventBus({ rabbitmqUrl: broker.url });
    }, 120_000);

    afterAll(async () => {
      await publisher?.close();
      await stopAllProcesses();
      await broker?.destroy();
      await database?.drop();
    });

    it('sends each order one email across duplicates, a direct call, a broker kill -9 and a consumer restart', async () => {
      // Two replicas compete for the queue.
      const first = await startConsumer();
      const second = await startConsumer();
      const orders = Array.from({ length: 60 }, (_, index) => `once-${suffix}-${index}`);

      // The first third, each published twice (a publisher retry), one also called directly as the order
      // agent's fallback does, with the same idempotency key.
      for (const orderId of orders.slice(0, 20)) {
        await publish(orderId);
        await publish(orderId);
      }
      const direct = await callTool(first.url, 'notification_send_email', {
        ...completed(orders[0]!).confirmation,
        body: 'direct',
        order_id: orders[0],
        idempotency_key: `order-confirmation:${orders[0]}`,
      });
      expect(direct.status).toBe(200);
      expect(direct.result?.isError).toBeFalsy();

      // The broker dies without warning mid-flow and comes back; publishing goes on around it.
      await broker.kill();
      await broker.start();
      for (const orderId of orders.slice(20, 40)) await publish(orderId);

      // One consumer is restarted (SIGTERM: it stops consuming and finishes what it holds) while events flow.
      const restarting = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await first.process.stop()).toBe(0);
      })();
      for (const orderId of orders.slice(40)) await publish(orderId);
      await restarting;
      const third = await startConsumer();

      const copies = await awaitEmails(
        orders,
        () =>
          `second:\n${second.process.output().slice(-3000)}\nthird:\n${third.process.output().slice(-3000)}`,
      );
      const repeated = orders.filter((orderId) => copies.get(`Order ${orderId} confirmed`)?.length !== 1);
      expect(repeated).toEqual([]);
      expect(await queueDepths()).toEqual({ queue: 0, dlq: 0 });
      await second.process.stop();
      await third.process.stop();
    });

    it('loses no email to a consumer kill -9 mid-send; a copy it may cause has the same Message-ID', async () => {
      const first = await startConsumer();
      const second = await startConsumer();
      const orders = Array.from({ length: 40 }, (_, index) => `crash-${suffix}-${index}`);
      const killing = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await first.process.kill();
      })();
      for (const orderId of orders) await publish(orderId);
      await killing;
      // The killed consumer's claims hold for NOTIFICATION_DEDUPE_LEASE (30 s); the survivor then takes over.
      const copies = await awaitEmails(orders, () => second.process.output().slice(-3000));
      for (const orderId of orders) {
        const ids = copies.get(`Order ${orderId} confirmed`) ?? [];
        // Only a kill between the SMTP server's acceptance and the ledger's mark sends twice, with one
        // Message-ID (mail systems drop the copy); never more than the killed consumer held at once.
        expect(new Set(ids).size, orderId).toBe(1);
        expect(ids.length, orderId).toBeLessThanOrEqual(2);
      }
      const doubled = orders.filter((orderId) => copies.get(`Order ${orderId} confirmed`)!.length > 1);
      expect(doubled.length).toBeLessThanOrEqual(20);
      expect(await queueDepths()).toEqual({ queue: 0, dlq: 0 });
      await second.process.stop();
    });
  },
);
