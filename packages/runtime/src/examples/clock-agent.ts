import { parseEnvConfig } from '@mesh/common';
import { defineAgent, meshEnvSchema, runAgent, toMeshConfig, z } from '../index.js';

/** The provider of the README example's dependency (`time_now`). */
export const agent = defineAgent({ name: 'clock', description: 'Tells the time' });

agent.tool({
  name: 'time_now',
  input: z.object({}),
  idempotent: true,
  handler: () => ({ iso: new Date().toISOString() }),
});

if (process.argv[1]?.endsWith('clock-agent.js')) {
  await runAgent(agent, {
    app: undefined,
    mesh: toMeshConfig(parseEnvConfig(meshEnvSchema, process.env, 'clock')),
  });
}
