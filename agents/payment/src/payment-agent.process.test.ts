import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { defineAgent, isMeshError, type RunningAgent } from '@mesh/runtime';
import {
  createTestDatabase,
  freePort,
  realServerUrl,
  startNode,
  startRegistryProcess,
  stopAllProcesses,
  waitFor,
  waitForHttp,
  type StartedProcess,
  type TestDatabase,
} from '@mesh/testkit';
import { sandboxChargesOf } from './test-sandbox-charges.js';

const postgresUrl = realServerUrl('postgres');
const dist = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const paymentMain = dist('../dist/main.js');
const sandboxMain = dist('../../../packages/sandboxes/dist/payment-sandbox.js');
const API_KEY = 'sk_test_process_suite_key';

interface Payment {
  status: string;
  payment_id: string;
  amount: number;
  decline_code?: string;
}

describe.skipIf(!postgresUrl)(
  'payment-agent: registry, sandbox and agent as processes on loopback',
  { timeout: 30_000 },
  () => {
    let database: TestDatabase;
    let registryUrl: string;
    let sandboxUrl: string;
    let agentEnv: Record<string, string | undefined>;
    let agentProcess: StartedProcess;
    let agentUrl = '';
    let client: RunningAgent | undefined;
    const consumer = defineAgent({ name: 'payment-test-client' });
    const deps = consumer.consumer({
      pay: { capability: 'payment_process', timeoutMs: 8000 },
      refund: { capability: 'payment_refund', timeoutMs: 8000 },
    });

    async function startAgent(): Promise<StartedProcess> {
      const port = await freePort();
      agentUrl = `http://127.0.0.1:${port}`;
      const started = startNode(paymentMain, [], { env: { ...agentEnv, MCP_MESH_HTTP_PORT: String(port) } });
      const exited = started.exited.then((code) => Promise.reject(new Error(`exited with ${code}`)));
      await Promise.race([
        waitForHttp(`http://127.0.0.1:${port}/ready`, { status: 200, timeoutMs: 30_000 }),
        exited,
      ]).catch((error: unknown) => {
        throw new Error(`payment-agent did not become ready: ${String(error)}\n${started.output()}`);
      });
      return started;
    }

    async function chargesAt(orderId: string): Promise<number> {
      return (await sandboxChargesOf(sandboxUrl, API_KEY, orderId)).length;
    }

    beforeAll(async () => {
      for (const script of [paymentMain, sandboxMain]) {
        if (!existsSync(script)) throw new Error(`${script} is missing: build first (pnpm turbo run build)`);
      }
      database = await createTestDatabase(postgresUrl!, 'payment');
      registryUrl = (await startRegistryProcess()).url;
      const sandboxPort = await freePort();
      sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
      startNode(sandboxMain, [], {
        env: {
          PORT: String(sandboxPort),
          PAYMENT_SANDBOX_API_KEY: API_KEY,
          PAYMENT_SANDBOX_HANG: '10s',
          LOG_LEVEL: 'warn',
        },
      });
      await waitForHttp(`${sandboxUrl}/health`, { status: 200 });
      const keyFile = join(mkdtempSync(join(tmpdir(), 'payment-key-')), 'payment_api_key');
      writeFileSync(keyFile, `${API_KEY}\n`);
      agentEnv = {
        DATABASE_URL: database.url,
        PAYMENT_GATEWAY_URL: sandboxUrl,
        PAYMENT_API_KEY: undefined,
        PAYMENT_API_KEY_FILE: keyFile,
        PAYMENT_TIMEOUT: '1s',
        MCP_MESH_REGISTRY_URL: registryUrl,
        MCP_MESH_HEALTH_INTERVAL: '1s',
        MCP_MESH_LOG_LEVEL: 'INFO',
      };
      agentProcess = await startAgent();
      client = await consumer.start({
        app: undefined,
        mesh: { registryUrl, healthIntervalMs: 500 },
        logger: silentLogger(),
      });
      await waitFor(async () => (deps.pay.available && deps.refund.available ? true : undefined), {
        timeoutMs: 15_000,
        description: 'payment-agent resolved through the registry',
      });
    }, 60_000);

    afterAll(async () => {
      await client?.stop();
      await stopAllProcesses();
      await database?.drop();
    });

    it('charges through the mesh once per order, even when the call is repeated', async () => {
      const args = { order_id: 'wire-1', user_id: 'user-1', amount: 99.99 };
      const first = await deps.pay.call<Payment>(args);
      expect(first).toMatchObject({ status: 'succeeded', amount: 99.99 });
      expect(await deps.pay.call<Payment>(args)).toEqual(first);
      expect(await chargesAt('wire-1')).toBe(1);
    });

    it('answers a declined card with status declined, not an error', async () => {
      const declined = await deps.pay.call<Payment>({
        order_id: 'wire-2',
        user_id: 'user-2',
        amount: 5,
        payment_method: 'tok_chargeDeclined',
      });
      expect(declined).toMatchObject({ status: 'declined', decline_code: 'generic_decline' });
      // Still a business failure: counted as PAYMENT_DECLINED, not ok (the error ratio and alerts see it).
      const metrics = await (await fetch(`${agentUrl}/metrics`)).text();
      expect(metrics).toMatch(
        /mesh_tool_calls_total\{[^}]*tool="payment_process"[^}]*outcome="PAYMENT_DECLINED"[^}]*\} 1/,
      );
    });

    it('fails with TIMEOUT when the gateway hangs', async () => {
      const error = await deps.pay
        .call({ order_id: 'wire-3', user_id: 'user-3', amount: 5, payment_method: 'tok_timeout' })
        .catch((e: unknown) => e);
      expect(isMeshError(error, 'TIMEOUT'), String(error)).toBe(true);
    });

    it('remembers the outcome across a restart of the agent', async () => {
      const args = { order_id: 'wire-4', user_id: 'user-4', amount: 10 };
      const before = await deps.pay.call<Payment>(args);
      expect(await agentProcess.stop()).toBe(0);
      agentProcess = await startAgent();
      await waitFor(async () => (deps.pay.available ? true : undefined), { timeoutMs: 15_000 });
      const after = await deps.pay.call<Payment>(args, { timeoutMs: 8000 });
      expect(after).toEqual(before);
      expect(await chargesAt('wire-4')).toBe(1);
    }, 60_000);

    it('refunds an order through the mesh', async () => {
      await deps.pay.call<Payment>({ order_id: 'wire-5', user_id: 'user-5', amount: 20 });
      const refund = await deps.refund.call<{ status: string; refund_id: string }>({ order_id: 'wire-5' });
      expect(refund).toMatchObject({ status: 'refunded', amount: 20 });
      expect(refund.refund_id).toMatch(/^re_/);
    });
  },
);
