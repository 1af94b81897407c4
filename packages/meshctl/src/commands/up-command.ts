import type { Command } from '../cli/command.js';
import { selectLayers, withProfileLayer } from '../docker/compose-project.js';
import { dockerMeshRuns } from '../docker/docker-state.js';
import { dockerUp } from '../docker/docker-up.js';
import { chooseMode } from '../docker/mesh-mode.js';
import { readState } from '../local/state.js';
import { up } from '../local/up.js';
import { startEpochMs } from '../start-clock.js';

export const upCommand: Command = {
  name: 'up',
  help: [
    {
      usage: 'up [--env-file F] [--parallel] [--layer L…] [--profile P]',
      summary: `start registry, infrastructure and every agent of architecture.yml
(in dependency order; --parallel starts all agents at once): as Docker
containers when an engine answers and Compose v2+ exists, else as local
processes; --layer adds deploy/docker-compose.<L>.yml (Docker only);
--profile (or MESH_PROFILE) applies a profile of architecture.yml
(microservices: the gateway x2 behind a balancer on its port, more
replicas), in Docker through its layer deploy/docker-compose.<P>.yml`,
    },
  ],
  async run(ctx) {
    const { config, values } = ctx;
    const startedAtMs = startEpochMs(ctx.env);
    const running = readState(ctx.home);
    if (running?.mode === 'docker' && config.MESH_MODE === 'local') throw dockerMeshRuns(running);
    const decision = chooseMode(config.MESH_MODE, ctx.root, ctx.env);
    const arch = ctx.arch();
    if (decision.mode === 'docker') {
      const layers = selectLayers(ctx.root, values.layer ?? [], config.MESH_COMPOSE_LAYERS);
      return dockerUp(arch, {
        root: ctx.root,
        home: ctx.home,
        env: ctx.env,
        compose: decision.compose,
        project: config.COMPOSE_PROJECT_NAME,
        layers: withProfileLayer(ctx.root, layers, arch.profile),
        skip: config.MESH_COMPOSE_SKIP,
        portOffset: config.MESH_PORT_OFFSET,
        publishHost: config.MESH_PUBLISH_HOST,
        timeoutMs: config.DEPENDENCY_TIMEOUT,
        log: ctx.print,
        startedAtMs,
      });
    }
    if (decision.notice !== undefined) ctx.print(`${decision.notice}\n`);
    if ((values.layer ?? []).length > 0 || config.MESH_COMPOSE_LAYERS !== '')
      ctx.print(
        'Compose layers apply to the Docker path only; local processes start architecture.yml as it is.',
      );
    const result = await up(arch, {
      ...ctx.localOptions(),
      parallel: values.parallel ?? false,
      startedAtMs,
    });
    return result.status === 'failed' ? 1 : 0;
  },
};
