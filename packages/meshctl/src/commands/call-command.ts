import type { Command } from '../cli/command.js';
import { callResolvedTool, resolveTool } from '../mcp-call.js';

export const callCommand: Command = {
  name: 'call',
  help: [
    {
      usage: "call <tool> '<json>' [--proxy]",
      summary: 'call a tool on a healthy provider (or through the registry /proxy)',
    },
  ],
  async run(ctx) {
    const [tool, json = '{}'] = ctx.args;
    if (!tool)
      throw new Error(
        'call needs a tool name and JSON arguments: meshctl call user_get \'{"user_id":"user-1"}\'',
      );
    const args = JSON.parse(json) as Record<string, unknown>;
    const registry = ctx.registry();
    const target = resolveTool(await registry.agents(), tool);
    const result = await callResolvedTool(target, args, {
      registryUrl: registry.baseUrl,
      viaProxy: ctx.values.proxy ?? false,
      tls: ctx.operatorTls(),
    });
    ctx.print(JSON.stringify(result['structuredContent'] ?? result, null, 2));
    return result['isError'] === true ? 1 : 0;
  },
};
