import type { Command } from '../cli/command.js';
import { dockerDown } from '../docker/docker-commands.js';
import { stopMesh } from '../local/down.js';
import { readState } from '../local/state.js';

export const downCommand: Command = {
  name: 'down',
  help: [
    {
      usage: 'down [--volumes]',
      summary: `stop everything "up" or "start --detach" started (--volumes: also remove
a Docker mesh's volumes, its data and certificates)`,
    },
  ],
  async run(ctx) {
    const state = readState(ctx.home);
    if (state?.mode === 'docker')
      return dockerDown(state, { ...ctx.dockerOptions(), volumes: ctx.values.volumes ?? false });
    if (ctx.values.volumes)
      ctx.print(`--volumes: only a Docker mesh has volumes; local data stays in ${ctx.home}/postgres`);
    await stopMesh(ctx.home, { graceMs: ctx.config.MESH_STOP_GRACE, waves: ctx.stopWaves(), log: ctx.print });
    return 0;
  },
};
