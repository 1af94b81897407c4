import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  startNode,
  toolResult,
  startRegistryProcess,
  stopAllProcesses,
  waitFor,
  waitForHttp,
  type StartedProcess,
} from '@mesh/testkit';

const dist = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const notificationMain = dist('../dist/main.js');
const sinkMain = dist('../../../packages/sandboxes/dist/smtp-sink.js');

describe(
  'notification-agent: registry, SMTP sink and agent as processes on loopback',
  { timeout: 30_000 },
  () => {
    let agentUrl: string;
    let inbox: string;
    let agent: StartedProcess;

    beforeAll(async () => {
      for (const script of [notificationMain, sinkMain]) {
        if (!existsSync(script)) throw new Error(`${script} is missing: build first (pnpm turbo run build)`);
      }
      const registry = await startRegistryProcess();
      const [smtpPort, inboxPort, agentPort] = [await freePort(), await freePort(), await freePort()];
      startNode(sinkMain, [], {
        env: { SMTP_PORT: String(smtpPort), HTTP_PORT: String(inboxPort), LOG_LEVEL: 'warn' },
      });
      inbox = `http://127.0.0.1:${inboxPort}/messages`;
      await waitForHttp(inbox, { status: 200 });
      agent = startNode(notificationMain, [], {
        env: {
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtpPort),
          SMS_PROVIDER_URL: undefined,
          MCP_MESH_REGISTRY_URL: registry.url,
          MCP_MESH_HTTP_PORT: String(agentPort),
          MCP_MESH_LOG_LEVEL: 'INFO',
        },
      });
      agentUrl = `http://127.0.0.1:${agentPort}`;
      await waitForHttp(`${agentUrl}/ready`, { status: 200, timeoutMs: 30_000 }).catch((error: unknown) => {
        throw new Error(`notification-agent did not become ready: ${String(error)}\n${agent.output()}`);
      });
    }, 60_000);

    afterAll(async () => {
      await stopAllProcesses();
    });

    it('delivers notification_send_email to the SMTP sink', async () => {
      const result = await toolResult(agentUrl, 'notification_send_email', {
        to: 'user-12@example.com',
        subject: 'Order wire-1 confirmed',
        body: 'Thanks!',
        order_id: 'wire-1',
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ accepted: true, delivered: true });
      const messages = await waitFor(async () => {
        const list = (await (await fetch(inbox)).json()) as Array<{ to: string[]; subject: string }>;
        return list.length > 0 ? list : undefined;
      });
      expect(messages[0]).toMatchObject({ to: ['user-12@example.com'], subject: 'Order wire-1 confirmed' });
    });

    it('sends a batch of emails in one call and refuses only the invalid message in it', async () => {
      const before = ((await (await fetch(inbox)).json()) as unknown[]).length;
      const result = await toolResult(agentUrl, 'notification_send_emails', {
        messages: [
          { to: 'user-20@example.com', subject: 'Order batch-1 confirmed', body: 'One', order_id: 'batch-1' },
          { to: 'not-an-address', subject: 'Order batch-2 confirmed', body: 'Two' },
          {
            to: 'user-21@example.com',
            subject: 'Order batch-3 confirmed',
            body: 'Three',
            order_id: 'batch-3',
          },
        ],
      });
      expect(result.isError).toBeFalsy();
      const receipts = result.structuredContent?.['receipts'] as Array<Record<string, unknown>>;
      expect(receipts).toHaveLength(3);
      expect(receipts[0]).toMatchObject({ accepted: true, delivered: true });
      expect(receipts[1]).toMatchObject({ accepted: false });
      expect(String(receipts[1]?.['error'])).toMatch(/^to: /);
      expect(receipts[2]).toMatchObject({ accepted: true, delivered: true });
      const subjects = await waitFor(async () => {
        const list = (await (await fetch(inbox)).json()) as Array<{ subject: string }>;
        return list.length >= before + 2
          ? list
              .slice(before)
              .map((m) => m.subject)
              .sort()
          : undefined;
      });
      expect(subjects).toEqual(['Order batch-1 confirmed', 'Order batch-3 confirmed']);
    });

    it('refuses an empty or oversized batch with JSON-RPC invalid params', async () => {
      await expect(toolResult(agentUrl, 'notification_send_emails', { messages: [] })).rejects.toThrow(
        /-32602/,
      );
      const tooMany = Array.from({ length: 201 }, () => ({ to: 'a@example.com', subject: 's', body: 'b' }));
      await expect(toolResult(agentUrl, 'notification_send_emails', { messages: tooMany })).rejects.toThrow(
        /-32602/,
      );
    });

    it('accepts an SMS with no provider configured and says it was not sent', async () => {
      const result = await toolResult(agentUrl, 'notification_send_sms', { to: '+15550100', body: 'hello' });
      expect(result.structuredContent).toMatchObject({ accepted: true, delivered: false, disabled: true });
      await waitFor(async () =>
        agent.output().includes('sms accepted but not sent: no provider configured') ? true : undefined,
      );
    });

    it('refuses an invalid address with JSON-RPC invalid params', async () => {
      await expect(
        toolResult(agentUrl, 'notification_send_email', { to: 'not-an-address', subject: 's', body: 'b' }),
      ).rejects.toThrow(/-32602[\s\S]*Invalid email address/);
    });

    it('stops on SIGTERM with exit code 0', async () => {
      expect(await agent.stop()).toBe(0);
    });
  },
);
