import type { Command } from '../cli/command.js';
import { formatAgentList } from './list.js';

export const listCommand: Command = {
  name: 'list',
  help: [
    {
      usage: 'list [--json]',
      summary: `registered agent instances: tools (not the pseudo tools of consumer-only
dependencies), distinct dependencies resolved; --json: GET /agents as it is`,
    },
  ],
  async run(ctx) {
    const agents = await ctx.registry().agents();
    ctx.print(ctx.values.json ? JSON.stringify(agents, null, 2) : formatAgentList(agents));
    return 0;
  },
};
