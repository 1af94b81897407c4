import type { Command } from '../cli/command.js';
import { compareGraphs, liveEdges, toDot, toMermaid } from '../graph/render.js';

export const graphCommand: Command = {
  name: 'graph',
  help: [
    {
      usage: 'graph [--format mermaid|dot]',
      summary: 'dependency graph: declared (architecture.yml) beside live (registry)',
    },
  ],
  async run(ctx) {
    const declared = ctx.arch().agents;
    let live: ReturnType<typeof liveEdges> | undefined;
    try {
      live = liveEdges(await ctx.registry().agents());
    } catch {
      live = undefined;
    }
    const graph = compareGraphs(declared, live);
    ctx.print(ctx.values.format === 'dot' ? toDot(graph) : toMermaid(graph));
    return 0;
  },
};
