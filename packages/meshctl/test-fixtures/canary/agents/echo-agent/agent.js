// Fixture agent on the real runtime: `echo` answers with the version this replica registered, or, with
// ECHO_FAIL=1 (a broken release), fails every call with INTERNAL.
import { MeshError } from '@mesh/common';
import { defineAgent, z } from '@mesh/runtime';

export const agent = defineAgent({ name: 'echo-agent', version: '1.0.0' });

agent.tool({
  name: 'echo',
  capability: 'echo',
  input: z.object({ n: z.number().int() }),
  handler: ({ n }) => {
    if (process.env.ECHO_FAIL === '1') throw new MeshError('INTERNAL', 'this release is broken');
    return { n, version: process.env.MCP_MESH_AGENT_VERSION ?? '1.0.0' };
  },
});
