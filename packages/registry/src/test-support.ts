import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { createRegistryServer } from './server.js';
import type { CreateRegistryServerOptions, RegistryServer } from './server.js';

/** The official registry's golden fixtures, kept with the package (testdata/mcp-mesh, MIT). */
export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../testdata/mcp-mesh');

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR).filter((name) => name.endsWith('.json'));
}

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, name), 'utf8')) as T;
}

export interface RunningRegistry extends RegistryServer {
  readonly url: string;
}

/** Starts an in-process registry on a free loopback port (health monitor off unless asked). */
export async function startRegistry(options: CreateRegistryServerOptions = {}): Promise<RunningRegistry> {
  const server = await createRegistryServer({ healthMonitor: false, ...options });
  const { url } = await server.listen(0, '127.0.0.1');
  return Object.assign(server, { url });
}

/**
 * A fresh registry for every test of the calling `describe` block, started before and closed after each one.
 * The handle forwards to the current test's registry, so tests read `registry.url` as with their own.
 */
export function freshRegistryEachTest(options: CreateRegistryServerOptions = {}): RunningRegistry {
  let current: RunningRegistry | undefined;
  beforeEach(async () => {
    current = await startRegistry(options);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return new Proxy({} as RunningRegistry, {
    get(_target, property) {
      if (!current) throw new Error('the registry exists only while a test runs');
      const value: unknown = Reflect.get(current, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export async function head(url: string): Promise<number> {
  const response = await fetch(url, { method: 'HEAD' });
  await response.arrayBuffer();
  return response.status;
}

/** A registration body for tests: one tool per entry of `tools`. */
export function agentBody(
  agentId: string,
  tools: readonly {
    function_name?: string;
    capability: string;
    version?: string;
    tags?: readonly string[];
    /** Spec objects, or anything else a test sends to see it refused. */
    dependencies?: readonly unknown[];
  }[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    agent_id: agentId,
    name: agentId,
    version: '1.0.0',
    http_host: '127.0.0.1',
    http_port: 9000,
    ...extra,
    tools: tools.map((tool) => ({
      function_name: tool.function_name ?? tool.capability,
      dependencies: [],
      ...tool,
    })),
  };
}
