import type { Command } from '../cli/command.js';
import { dockerLogs } from '../docker/docker-commands.js';
import { readState } from '../local/state.js';
import { showLogs } from './local-commands.js';

export const logsCommand: Command = {
  name: 'logs',
  help: [
    {
      usage: 'logs <agent> [-n N] [-f]',
      summary: "tail an agent's logs (every replica)",
    },
  ],
  async run(ctx) {
    const [name] = ctx.args;
    if (!name) throw new Error('logs needs an agent name');
    const lines = Number(ctx.values.lines ?? 50);
    const follow = ctx.values.follow ?? false;
    const state = readState(ctx.home);
    if (state?.mode === 'docker') return dockerLogs(state, name, lines, follow, ctx.dockerOptions());
    return showLogs(ctx.home, name, lines, follow, ctx.print);
  },
};
