import { isMeshError } from '@mesh/common';
import type { Command, CommandContext } from '../cli/command.js';
import { dockerLogs } from '../docker/docker-commands.js';
import { readState } from '../local/state.js';
import { showLogs } from './local-commands.js';
import { matchName } from './name-match.js';

/** A Docker mesh's service for a short name; a name architecture.yml does not know goes to compose as given. */
function dockerService(ctx: CommandContext, query: string): string {
  let names: string[];
  try {
    const arch = ctx.arch();
    names = ['registry', ...arch.agents.map((a) => a.name), ...arch.infrastructure.map((i) => i.name)];
  } catch {
    return query;
  }
  try {
    return matchName(query, names);
  } catch (error: unknown) {
    if (isMeshError(error) && error.code === 'NOT_FOUND') return query;
    throw error;
  }
}

export const logsCommand: Command = {
  name: 'logs',
  help: [
    {
      usage: 'logs <agent> [-n N] [-f] [--json]',
      summary: `an agent's logs, every replica, pretty-printed (time, level, agent, message,
trace id, other fields; --json: the raw lines); a short name will do (order:
order-agent), an ambiguous one lists the candidates`,
    },
  ],
  async run(ctx) {
    const [query] = ctx.args;
    if (!query) throw new Error('logs needs an agent name');
    const lines = Number(ctx.values.lines ?? 50);
    const follow = ctx.values.follow ?? false;
    const json = ctx.values.json ?? false;
    const state = readState(ctx.home);
    if (state?.mode === 'docker')
      return dockerLogs(state, dockerService(ctx, query), lines, follow, { ...ctx.dockerOptions(), json });
    return showLogs(ctx.home, query, { lines, follow, json }, ctx.print);
  },
};
