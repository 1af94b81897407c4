import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startNode, type StartedProcess } from './child-process.js';
import { freePort } from '@mesh/common';
import { waitForHttp } from './wait-for.js';

/**
 * The registry's built entry point, found by its place in the repository (packages/registry/dist/main.js) relative
 * to this file (packages/testkit/{src,dist}/), not through a package dependency: testkit stays free of
 * @mesh/registry, so a test package that starts the registry must list `@mesh/registry` as a devDependency itself
 * for turbo to build it first.
 */
export const registryMainPath = fileURLToPath(new URL('../../registry/dist/main.js', import.meta.url));

export interface RegistryProcess {
  /** `http://127.0.0.1:<port>`, for MCP_MESH_REGISTRY_URL. */
  readonly url: string;
  readonly port: number;
  readonly process: StartedProcess;
}

export interface StartRegistryOptions {
  /** Extra environment for the registry process (e.g. `{ DATABASE_URL: undefined }` for its in-memory store). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for /health to answer 200; waitForHttp's default when omitted. */
  timeoutMs?: number;
}

/**
 * Starts the mesh registry as a real process on a free loopback port and resolves once /health answers 200,
 * so process tests of agents share one way to stand up their registry. Stopped by `stopAllProcesses`.
 */
export async function startRegistryProcess(options: StartRegistryOptions = {}): Promise<RegistryProcess> {
  if (!existsSync(registryMainPath)) {
    throw new Error(`${registryMainPath} is missing: build first (pnpm turbo run build)`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = startNode(registryMainPath, [], {
    env: { ...options.env, MCP_MESH_REGISTRY_PORT: String(port), MCP_MESH_REGISTRY_HOST: '127.0.0.1' },
  });
  const exited = started.exited.then((code) => Promise.reject(new Error(`exited with ${code}`)));
  try {
    const health = {
      status: 200,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    await Promise.race([waitForHttp(`${url}/health`, health), exited]);
  } catch (error: unknown) {
    throw new Error(`registry process not healthy: ${String(error)}\n${started.output()}`);
  }
  return { url, port, process: started };
}
