// The old token path's far end, in a process of its own: `auth_verify_token` served over MCP as auth-agent
// serves it (its contract, no registry, no TLS), verifying the bench tokens with the bench keys. Prints
// `LISTENING <port>`. Used by auth-cost.ts; its CPU is reported apart from the caller's.
import { authVerifyToken } from '@mesh/contracts';
import { MeshError, silentLogger } from '@mesh/common';
import { defineAgent, runAgent } from '@mesh/runtime';
import { benchMesh } from './bench-mesh.js';

const mesh = benchMesh();
const agent = defineAgent<undefined>({ name: 'auth-agent', version: '1.0.0' });
agent.tool({
  ...authVerifyToken,
  name: 'auth_verify_token',
  handler: async ({ token }) => {
    const verified = await mesh.verifyToken(token).catch(() => {
      throw new MeshError('UNAUTHORIZED', 'invalid token');
    });
    return { valid: true as const, ...verified };
  },
});
const running = await runAgent(agent, {
  app: undefined,
  mesh: { registryUrl: null, httpHost: '127.0.0.1', httpPort: 0 },
  logger: silentLogger(),
});
process.stdout.write(`LISTENING ${running.port}\n`);
process.once('SIGTERM', () => void running.stop().then(() => process.exit(0)));
