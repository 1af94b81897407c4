import type { Command } from '../cli/command.js';
import { runChaos } from '../chaos/chaos.js';

export const chaosCommand: Command = {
  name: 'chaos',
  help: [
    {
      usage: 'chaos [--orders N] [--concurrency C] [--victims a,b]',
      summary: 'kill a random replica under a stream of orders, restart it, check invariants',
    },
  ],
  async run(ctx) {
    const { values } = ctx;
    const bounded = (value: string | undefined, fallback: number, max: number): number =>
      Math.min(max, Math.max(1, Number(value ?? fallback) || fallback));
    const violations = await runChaos({
      home: ctx.home,
      root: ctx.root,
      env: ctx.env,
      orders: bounded(values.orders, 60, 1000),
      concurrency: bounded(values.concurrency, 4, 32),
      deadlineMs: 180_000,
      victims: (values.victims ?? 'auth-agent,user-agent,inventory-agent,payment-agent,order-agent').split(
        ',',
      ),
      log: ctx.print,
    });
    for (const v of violations) ctx.print(`VIOLATION ${v}`);
    ctx.print(
      violations.length === 0 ? 'chaos: all invariants hold' : `chaos: ${violations.length} violation(s)`,
    );
    return violations.length === 0 ? 0 : 1;
  },
};
