import { MeshError } from '@mesh/common';
import type { Command } from '../cli/command.js';
import { callTool, resolveTool } from '../mcp-call.js';
import { formatJsonOutcome, formatResult } from './call-output.js';

function parseArguments(json: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error: unknown) {
    parsed = error;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || parsed instanceof Error)
    throw new MeshError('VALIDATION_FAILED', `arguments are not a JSON object: ${json}`);
  return parsed as Record<string, unknown>;
}

export const callCommand: Command = {
  name: 'call',
  help: [
    {
      usage: "call <tool> ['<json>'] [--proxy] [--json]",
      summary: `call a tool (or capability) with the runtime's client: balanced over its
healthy replicas with failover, directly or through the registry /proxy; prints
the result (--json: {ok, tool, result|error} for scripts); exit 1 on an error`,
    },
  ],
  async run(ctx) {
    const [tool, json = '{}'] = ctx.args;
    if (!tool)
      throw new Error(
        'call needs a tool name and JSON arguments: meshctl call user_get \'{"user_id":"user-1"}\'',
      );
    try {
      const args = parseArguments(json);
      const registry = ctx.registry();
      const result = await callTool(resolveTool(await registry.agents(), tool), args, {
        registryUrl: registry.baseUrl,
        viaProxy: ctx.values.proxy ?? false,
        tls: ctx.operatorTls(),
      });
      ctx.print(ctx.values.json ? formatJsonOutcome(tool, { result }) : formatResult(result));
      return 0;
    } catch (error: unknown) {
      if (!ctx.values.json) throw error;
      ctx.print(formatJsonOutcome(tool, { error }));
      return 1;
    }
  },
};
