import type { Command } from '../cli/command.js';
import { startEpochMs } from '../start-clock.js';
import { startAgentsCommand } from './local-commands.js';

export const startCommand: Command = {
  name: 'start',
  help: [
    {
      usage: 'start <agent…> [--detach] [--env-file F]',
      summary: 'start agents (a registry first when none answers)',
    },
  ],
  async run(ctx) {
    if (ctx.args.length === 0) throw new Error('start needs at least one agent name');
    return startAgentsCommand(ctx.arch(), {
      ...ctx.localOptions(),
      agents: ctx.args,
      detach: ctx.values.detach ?? false,
      startedAtMs: startEpochMs(ctx.env),
    });
  },
};
