import type { Command } from '../cli/command.js';
import { dockerStop } from '../docker/docker-commands.js';
import { stopMesh } from '../local/down.js';
import { readState } from '../local/state.js';

export const stopCommand: Command = {
  name: 'stop',
  help: [
    {
      usage: 'stop [agent…]',
      summary: 'stop agents (all, with infrastructure, when none named)',
    },
  ],
  async run(ctx) {
    const state = readState(ctx.home);
    if (state?.mode === 'docker') return dockerStop(state, ctx.args, ctx.dockerOptions());
    await stopMesh(ctx.home, {
      graceMs: ctx.config.MESH_STOP_GRACE,
      waves: ctx.stopWaves(),
      log: ctx.print,
      ...(ctx.args.length > 0 ? { names: ctx.args } : {}),
    });
    return 0;
  },
};
