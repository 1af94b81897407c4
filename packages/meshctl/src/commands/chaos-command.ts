import type { Command } from '../cli/command.js';
import { runChaos } from '../chaos/chaos.js';
import { DEMO_SYSTEM_FILE, loadChaosSystem } from '../chaos/chaos-system.js';

export const chaosCommand: Command = {
  name: 'chaos',
  help: [
    {
      usage: 'chaos [--orders N] [--concurrency C] [--victims a,b] [--system FILE]',
      summary: `kill a random replica under a stream of orders, restart it, check invariants
(the system's shopper, SKUs and victims: --system, default ${DEMO_SYSTEM_FILE})`,
    },
  ],
  async run(ctx) {
    const { values } = ctx;
    const system = loadChaosSystem(ctx.root, values.system);
    const bounded = (value: string | undefined, fallback: number, max: number): number =>
      Math.min(max, Math.max(1, Number(value ?? fallback) || fallback));
    const violations = await runChaos({
      home: ctx.home,
      root: ctx.root,
      env: ctx.env,
      orders: bounded(values.orders, 60, 1000),
      concurrency: bounded(values.concurrency, 4, 32),
      deadlineMs: 180_000,
      victims: values.victims?.split(',') ?? system.chaosVictims,
      shopper: system.shopper,
      skus: system.chaosSkus,
      paymentApiKey: ctx.env['PAYMENT_API_KEY'] ?? system.paymentSandboxKey,
      log: ctx.print,
    });
    for (const v of violations) ctx.print(`VIOLATION ${v}`);
    ctx.print(
      violations.length === 0 ? 'chaos: all invariants hold' : `chaos: ${violations.length} violation(s)`,
    );
    return violations.length === 0 ? 0 : 1;
  },
};
