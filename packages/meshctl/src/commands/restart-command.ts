import type { Command } from '../cli/command.js';
import { dockerRestart } from '../docker/docker-commands.js';
import { readState } from '../local/state.js';
import { restartAgent } from './local-commands.js';

export const restartCommand: Command = {
  name: 'restart',
  help: [
    {
      usage: 'restart <name> [--replica N]',
      summary: `start again what is gone: replicas of an agent, or infrastructure (postgres);
when every replica runs, replace them one at a time with no gap (rolling)
(Docker: every stopped container of the service)`,
    },
  ],
  async run(ctx) {
    const [name] = ctx.args;
    if (!name) throw new Error('restart needs an agent name');
    const state = readState(ctx.home);
    if (state?.mode === 'docker') return dockerRestart(state, name, ctx.dockerOptions());
    const replica = ctx.values.replica === undefined ? undefined : Number(ctx.values.replica);
    return restartAgent(ctx.localOptions(), name, replica, () => ctx.arch());
  },
};
