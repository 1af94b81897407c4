import { afterAll, describe, expect, it } from 'vitest';
import { stopAllProcesses } from './child-process.js';
import { startRegistryProcess } from './registry-process.js';

describe('startRegistryProcess', () => {
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('starts the built registry on a free loopback port and resolves once /health answers 200', async () => {
    const registry = await startRegistryProcess({ env: { DATABASE_URL: undefined } });
    expect(registry.url).toBe(`http://127.0.0.1:${registry.port}`);
    expect((await fetch(`${registry.url}/health`)).status).toBe(200);
    expect(await registry.process.stop()).toBe(0); // the registry shuts down gracefully on SIGTERM
  }, 30_000);
});
