import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MeshError,
  captureLog,
  createLogger,
  formatTraceparent,
  newTraceContext,
  silentLogger,
} from '@mesh/common';
import { defineAgent, z } from './index.js';
import { RuntimeMetrics } from './metrics.js';
import { callTool } from './test-mcp-call.js';
import { ok } from './test-raw-provider.js';
import type { RawCall, RawReply } from './test-raw-provider.js';
import { startRelayAgent } from './test-relay-agent.js';
import { ToolInvoker } from './tool-invoker.js';
import { normalizeTool } from './tool-registry.js';
import { Tracing } from './tracing.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function relayAgent(script: (call: RawCall) => RawReply) {
  const relay = await startRelayAgent(script);
  cleanups.push(() => relay.stop());
  return relay;
}

describe('tool context', () => {
  it('aborts ctx.signal with TIMEOUT exactly when the caller deadline passes', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    let abortedAt: number | undefined;
    let reason: unknown;
    const tool = normalizeTool({
      name: 'waits',
      input: z.object({}),
      handler: (_input, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            abortedAt = Date.now();
            reason = ctx.signal.reason;
            resolve({ aborted: true });
          });
        }),
    });
    const invoker = new ToolInvoker(
      undefined,
      silentLogger(),
      new RuntimeMetrics('invoker', 'invoker-1', false),
      new Tracing(false),
      30_000,
    );
    const response = Object.assign(new EventEmitter(), { writableFinished: false });
    const deadline = Date.now() + 300;
    const result = invoker.invoke(
      { tool, dependencies: [] },
      {},
      { 'x-mesh-deadline': String(deadline) },
      response as unknown as ServerResponse,
    );
    await vi.advanceTimersByTimeAsync(299);
    expect(abortedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(abortedAt).toBe(deadline);
    expect(reason).toBeInstanceOf(MeshError);
    expect((reason as MeshError).code).toBe('TIMEOUT');
    await expect(result).resolves.toMatchObject({ structuredContent: { aborted: true } });
  });

  it('sends a downstream deadline no later than the one the tool was called with', async () => {
    const { raw, running } = await relayAgent((call) => ok(call, { relayed: true }));
    // Room enough that a busy machine still relays before the deadline; the bounds below are what is pinned.
    const deadline = Date.now() + 5_000;
    const reply = await callTool(running.url, 'relay', {}, { 'x-mesh-deadline': String(deadline) });
    expect(reply.result?.structuredContent).toEqual({ relayed: true });
    const downstream = Number(raw.calls[0]!.headers['x-mesh-deadline']);
    expect(downstream).toBeLessThanOrEqual(deadline);
    expect(downstream).toBeGreaterThan(deadline - 1_000);
  });

  it('gives up on a downstream call at the caller deadline, not at the dependency timeout', async () => {
    const { running } = await relayAgent(() => 'hang');
    const started = Date.now();
    const reply = await callTool(running.url, 'relay', {}, { 'x-mesh-deadline': String(started + 300) });
    expect(reply.result?.isError).toBe(true);
    expect(reply.result?.structuredContent).toMatchObject({ error: { code: 'TIMEOUT' } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('logs through ctx.logger with the trace id of the incoming traceparent', async () => {
    const { lines, destination } = captureLog();
    const agent = defineAgent({ name: 'logged' });
    agent.tool({
      name: 'log_something',
      input: z.object({}),
      handler: (_input, ctx) => {
        ctx.logger.info({ step: 'inside' }, 'handler ran');
        return { ok: true };
      },
    });
    const running = await agent.start({
      app: undefined,
      mesh: { registryUrl: null },
      logger: createLogger({ name: 'logged', destination }),
    });
    cleanups.push(() => running.stop());
    const parent = newTraceContext();
    const reply = await callTool(
      running.url,
      'log_something',
      {},
      { traceparent: formatTraceparent(parent) },
    );
    expect(reply.result?.structuredContent).toEqual({ ok: true });
    const line = lines.find((entry) => entry['msg'] === 'handler ran');
    expect(line).toMatchObject({
      trace_id: parent.traceId,
      tool: 'log_something',
      agent_id: running.agentId,
      step: 'inside',
    });
  });
});
