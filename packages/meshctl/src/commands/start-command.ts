import type { Command } from '../cli/command.js';
import { startCanary } from '../canary/canary-actions.js';
import { startEpochMs } from '../start-clock.js';
import { startAgentsCommand } from './local-commands.js';

export const startCommand: Command = {
  name: 'start',
  help: [
    {
      usage: 'start <agent…> [--detach] [--env-file F]',
      summary: 'start agents (a registry first when none answers)',
    },
    {
      usage: 'start <agent> --version V --canary W [--auto]',
      summary: `one more replica registering version V, given W % of the agent's calls
(the stable version keeps the rest); --auto: then canary watch`,
    },
  ],
  async run(ctx) {
    if (ctx.args.length === 0) throw new Error('start needs at least one agent name');
    if (ctx.values.canary !== undefined || ctx.values.version !== undefined) {
      if (ctx.args.length !== 1) throw new Error('start --canary takes exactly one agent');
      return startCanary(ctx, ctx.args[0]!);
    }
    return startAgentsCommand(ctx.arch(), {
      ...ctx.localOptions(),
      agents: ctx.args,
      detach: ctx.values.detach ?? false,
      startedAtMs: startEpochMs(ctx.env),
    });
  },
};
