import { silentLogger } from '@mesh/common';
import { defineAgent, z } from './index.js';
import type { RunningAgent } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';
import { RawProvider } from './test-raw-provider.js';
import type { RawCall, RawReply } from './test-raw-provider.js';

/**
 * A started agent whose `relay` tool calls its dependency `thing` (a raw provider answering with `script`,
 * resolved by a fake registry) and returns the answer. `stop` stops all three.
 */
export async function startRelayAgent(script: (call: RawCall) => RawReply): Promise<{
  raw: RawProvider;
  registry: FakeRegistry;
  running: RunningAgent;
  stop(): Promise<void>;
}> {
  const raw = new RawProvider(script);
  await raw.start();
  const registry = new FakeRegistry();
  const registryUrl = await registry.start();
  registry.addStatic('p1', 'thing', raw.endpoint);
  const agent = defineAgent({ name: 'relay' });
  agent.tool({
    name: 'relay',
    input: z.object({}),
    dependencies: { thing: 'thing' },
    handler: (_input, ctx) => ctx.deps.thing.call({}),
  });
  const running = await agent.start({
    app: undefined,
    mesh: { registryUrl, healthIntervalMs: 60_000 },
    logger: silentLogger(),
  });
  return {
    raw,
    registry,
    running,
    stop: async () => {
      await running.stop();
      await registry.stop();
      await raw.stop();
    },
  };
}
