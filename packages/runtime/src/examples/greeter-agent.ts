import { defineAgent, z } from '../index.js';

export const agent = defineAgent({ name: 'greeter', version: '1.0.0', description: 'Greets people' });

agent.tool({
  name: 'greet',
  capability: 'greeting',
  tags: ['demo'],
  input: z.object({ name: z.string().min(1) }),
  output: z.object({ message: z.string() }),
  dependencies: { clock: { capability: 'time_now', timeoutMs: 1000, idempotent: true } },
  handler: async ({ name }, ctx) => {
    if (!ctx.deps.clock.available) return { message: `Hello, ${name}!` };
    const { iso } = await ctx.deps.clock.call<{ iso: string }>({});
    return { message: `Hello, ${name}! It is ${iso}.` };
  },
});
