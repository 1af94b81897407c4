import type { Command } from '../cli/command.js';
import { promote, rollback, status, watch } from '../canary/canary-actions.js';

const ACTIONS = { status, promote, rollback, watch } as const;

export const canaryCommand: Command = {
  name: 'canary',
  help: [
    {
      usage: 'canary status <agent>',
      summary: `the canary's weight beside the stable version's, replicas, calls, error
ratio and p95 as the agent's consumers counted them (their /metrics)`,
    },
    {
      usage: 'canary promote <agent>',
      summary: `weight 100, then the stable local replicas replaced by ones of the canary's
version (no gap), the extra canary replica stopped, the record removed`,
    },
    {
      usage: 'canary rollback <agent>',
      summary: 'weight 0, the canary replica(s) stopped, the record removed',
    },
    {
      usage:
        'canary watch <agent> [--max-error-margin 5] [--interval 5s] [--steps 10,25,50,100] [--min-calls 10]',
      summary: `each interval compares the versions' error ratios since the last: canary above
stable + margin rolls back (exit 1); otherwise the next step, 100 promotes
(exit 0); at most 6 quiet intervals in a row (exit 2, weight unchanged)`,
    },
  ],
  async run(ctx) {
    const [action, agent] = ctx.args;
    const run = action === undefined ? undefined : ACTIONS[action as keyof typeof ACTIONS];
    if (run === undefined || agent === undefined)
      throw new Error('usage: meshctl canary status|promote|rollback|watch <agent>');
    return run(ctx, agent);
  },
};
