import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki, freePort, startNode, waitForHttp } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { agentBody, postJson } from './test-support.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/main.js');

describe('node dist/main.js', { timeout: 30_000 }, () => {
  it('serves with only JSON lines on stdout, then on SIGTERM ends watch streams, stops and exits 0', async () => {
    const port = await freePort();
    const child = startNode(MAIN, [], {
      env: {
        MCP_MESH_REGISTRY_HOST: '127.0.0.1',
        MCP_MESH_REGISTRY_PORT: String(port),
        MCP_MESH_LOG_LEVEL: 'info',
      },
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/health`, { status: 200, timeoutMs: 15_000 });
      await postJson(`${url}/heartbeat`, agentBody('w1', [{ capability: 'x' }]));
      const watch = await fetch(`${url}/watch/w1`);
      const reader = watch.body!.getReader();
      await reader.read();
      child.child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      let ended = false;
      for (let i = 0; i < 10 && !ended; i += 1) ended = (await reader.read()).done;
      expect(ended).toBe(true);
      // Every line on stdout is a JSON log record: a stray plain-text line would break log shipping.
      const lines = child
        .stdout()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          try {
            return JSON.parse(line) as { msg: string };
          } catch {
            throw new Error(`stdout line is not JSON: ${line}`);
          }
        });
      expect(lines.map((line) => line.msg)).toEqual(
        expect.arrayContaining(['registry listening', 'shutting down', 'registry stopped']),
      );
      // Without TLS configuration it runs as MCP Mesh does by default, and says so once, loudly.
      const warnings = lines.filter((line) => line.msg.startsWith('SECURITY: the registry runs WITHOUT TLS'));
      expect(warnings).toHaveLength(1);
    } finally {
      await child.stop();
    }
  });

  it('refuses to start with invalid configuration, naming the variable', async () => {
    const child = startNode(MAIN, [], { env: { MCP_MESH_REGISTRY_PORT: 'eighty' } });
    expect(await child.exited).toBe(2);
    expect(child.output()).toContain('MCP_MESH_REGISTRY_PORT');
  });

  it('refuses to start strict without its certificate files or the policy, naming what is missing', async () => {
    const missing = startNode(MAIN, [], {
      env: { MCP_MESH_REGISTRY_PORT: '0', MCP_MESH_TLS_MODE: 'strict' },
    });
    expect(await missing.exited).toBe(2);
    expect(missing.output()).toContain('MCP_MESH_TLS_CERT');
    const pki = await createTestPki(['registry']);
    try {
      const noPolicy = startNode(MAIN, [], { env: { MCP_MESH_REGISTRY_PORT: '0', ...pki.env('registry') } });
      expect(await noPolicy.exited).not.toBe(0);
      expect(noPolicy.output()).toContain('MCP_MESH_POLICY_FILE: required in strict mode');
      const wrong = await createTestPki(['user-agent']);
      try {
        const posing = startNode(MAIN, [], {
          env: { MCP_MESH_REGISTRY_PORT: '0', ...wrong.env('user-agent'), MCP_MESH_POLICY_FILE: 'x' },
        });
        expect(await posing.exited).not.toBe(0);
        expect(posing.output()).toContain(
          'MCP_MESH_TLS_CERT names agent/user-agent, but this process is agent/registry',
        );
      } finally {
        wrong.remove();
      }
    } finally {
      pki.remove();
    }
  });
});
