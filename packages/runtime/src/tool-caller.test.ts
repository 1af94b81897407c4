import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@mesh/testkit';
import { MeshError } from '@mesh/common';
import { createToolCaller } from './tool-caller.js';
import type { ToolCaller } from './tool-caller.js';
import { ok, startRawProvider, toolError } from './test-raw-provider.js';
import type { RawCall, RawProvider, RawReply } from './test-raw-provider.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const provider = (script: (call: RawCall, index: number) => RawReply): Promise<RawProvider> =>
  startRawProvider(script, cleanups);

function caller(options: Parameters<typeof createToolCaller>[0] = {}): ToolCaller {
  const created = createToolCaller(options);
  cleanups.push(() => created.close());
  return created;
}

describe('createToolCaller (calls from outside any agent, e.g. meshctl)', () => {
  it('fails over from a replica that refuses the connection to one that answers', async () => {
    const live = await provider((call) =>
      ok(call, { doubled: (call.body.params.arguments['n'] as number) * 2 }),
    );
    const dead = `http://127.0.0.1:${await freePort()}`;
    const tools = caller();
    const providers = [
      { agentId: 'math-dead', endpoint: dead, functionName: 'double', idempotent: false },
      { agentId: 'math-live', endpoint: live.endpoint, functionName: 'double', idempotent: false },
    ];
    for (let i = 0; i < 4; i += 1)
      expect(await tools.call({ capability: 'math', providers }, { n: 21 })).toEqual({ doubled: 42 });
    expect(live.calls[0]!.headers['x-mesh-caller']).toBe('meshctl');
  });

  it("throws the runtime's MeshError with the remote tool's code and message", async () => {
    const p = await provider((call) => toolError(call, 'NOT_FOUND', 'user user-999 not found'));
    const tools = caller();
    const error = await tools
      .call(
        {
          capability: 'user_get',
          providers: [{ agentId: 'u1', endpoint: p.endpoint, functionName: 'user_get', idempotent: false }],
        },
        {},
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'user user-999 not found' });
  });

  it('says CONNECTION_FAILED when no replica answers, and DEPENDENCY_UNAVAILABLE when there is none', async () => {
    const tools = caller();
    const dead = [
      {
        agentId: 'x1',
        endpoint: `http://127.0.0.1:${await freePort()}`,
        functionName: 'f',
        idempotent: false,
      },
    ];
    await expect(tools.call({ capability: 'f', providers: dead }, {})).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
    });
    await expect(tools.call({ capability: 'f', providers: [] }, {})).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
    });
  });

  it('gives up after its timeout with TIMEOUT', async () => {
    const p = await provider(() => 'hang');
    const tools = caller({ timeoutMs: 200 });
    const target = {
      capability: 'slow',
      providers: [{ agentId: 's1', endpoint: p.endpoint, functionName: 'slow', idempotent: false }],
    };
    await expect(tools.call(target, {})).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});
