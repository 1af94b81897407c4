import type { Command } from '../cli/command.js';
import { formatAgentList } from './list.js';

export const listCommand: Command = {
  name: 'list',
  help: [
    {
      usage: 'list [--json]',
      summary: `registered agent instances: tools (not the pseudo tools of consumer-only
dependencies), distinct dependencies resolved, then canary weights;
--json: GET /agents as it is`,
    },
  ],
  async run(ctx) {
    const registry = ctx.registry();
    const agents = await registry.agents();
    if (ctx.values.json) {
      ctx.print(JSON.stringify(agents, null, 2));
      return 0;
    }
    // The official registry has no canaries (404: none); a listing never fails for want of them.
    const canaries = await registry.canaries().catch(() => []);
    ctx.print(formatAgentList(agents, Date.now(), canaries));
    return 0;
  },
};
