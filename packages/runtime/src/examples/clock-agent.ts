// A provider for the README example: `time_now`.
import { defineAgent, runAgent, z } from '../index.js';

export const agent = defineAgent({ name: 'clock', description: 'Tells the time' });

agent.tool({
  name: 'time_now',
  input: z.object({}),
  idempotent: true,
  handler: () => ({ iso: new Date().toISOString() }),
});

if (process.argv[1]?.endsWith('clock-agent.js')) await runAgent(agent, { app: undefined });
