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
import { ToolInvoker, errorResult, toResult, toolCallResponseJson } from './tool-invoker.js';
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

describe('toolCallResponseJson', () => {
  const asStringified = (id: unknown, result: unknown): string =>
    JSON.stringify({ jsonrpc: '2.0', id, result });

  it('writes exactly what JSON.stringify writes for every kind of result', () => {
    const values: unknown[] = [
      { n: 1, agent: 'a "quoted" \u2028 name', nested: { list: [1, 'two', null], when: new Date(0) } },
      [1, 2, 3],
      'text',
      42,
      null,
      undefined,
    ];
    for (const id of [7, 'req-1', null]) {
      for (const value of values)
        expect(toolCallResponseJson(id, toResult(value))).toBe(asStringified(id, toResult(value)));
      for (const hasOutputSchema of [false, true]) {
        const result = errorResult(
          new MeshError('NOT_FOUND', 'no such order', { data: { id: 'o-1' } }),
          hasOutputSchema,
        );
        expect(toolCallResponseJson(id, result)).toBe(asStringified(id, result));
      }
    }
  });

  it('falls back to JSON.stringify for a result it did not make (several content items)', () => {
    const result = {
      content: [
        { type: 'text' as const, text: '{"a":1}' },
        { type: 'text' as const, text: 'second' },
      ],
      structuredContent: { a: 1 },
    };
    expect(toolCallResponseJson(3, result)).toBe(asStringified(3, result));
  });
});
