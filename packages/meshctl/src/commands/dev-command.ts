import { resolve } from 'node:path';
import type { Architecture } from '../architecture/load.js';
import type { Command } from '../cli/command.js';
import { runDevLoop } from '../local/dev-loop.js';
import { readState } from '../local/state.js';
import { restartAgent, type RestartOptions } from './local-commands.js';

export const devCommand: Command = {
  name: 'dev',
  help: [
    {
      usage: 'dev <agent>',
      summary: `on every save under the agent's src/, transpile the changed files and roll
its replicas (local mode); a type check runs in the background`,
    },
  ],
  async run(ctx) {
    const [name] = ctx.args;
    if (!name) throw new Error('dev needs an agent name');
    return runDev(() => ctx.arch(), ctx.localOptions(), name);
  },
};

/**
 * `meshctl dev <agent>`: rebuilds the agent on every save and rolls its running replicas (see runDevLoop and
 * rollingRestart) until Ctrl-C. The mesh must run locally (`./scripts/start-multi-agent.sh`, MESH_MODE=local).
 */
export async function runDev(
  arch: () => Architecture,
  options: RestartOptions & { root: string },
  name: string,
): Promise<number> {
  const agent = arch().agents.find((candidate) => candidate.name === name);
  if (agent === undefined) throw new Error(`${name}: not an agent of architecture.yml`);
  if (agent.package === undefined) throw new Error(`${name}: architecture.yml gives it no package`);
  const state = readState(options.home);
  if (state?.mode !== 'local' || !state.processes.some((p) => p.name === name)) {
    throw new Error(
      `${name} does not run locally: start the mesh first (MESH_MODE=local ./scripts/start-multi-agent.sh)`,
    );
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  await runDevLoop({
    packageDir: resolve(options.root, agent.package),
    restart: async () => {
      // Every successor at once: one start time to see the change, still no gap.
      const code = await restartAgent(options, name, undefined, arch, { parallel: true });
      if (code !== 0) throw new Error(`restart of ${name} exited with ${code}`);
    },
    log: options.log,
    signal: stop.signal,
  });
  return 0;
}
