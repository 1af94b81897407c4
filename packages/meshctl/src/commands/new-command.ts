import type { Command } from '../cli/command.js';
import { NEW_AGENT_USAGE, newAgentCommand } from '../scaffold/new-agent-command.js';

export const newCommand: Command = {
  name: 'new',
  help: [
    {
      usage: NEW_AGENT_USAGE,
      summary: `write agents/<name> from the template and add it to architecture.yml and
the deploy files (docs/adding-an-agent.md)`,
    },
  ],
  run: (ctx) =>
    newAgentCommand(ctx.args, ctx.values, { root: ctx.root, archFile: ctx.archFile, log: ctx.print }),
};
