import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { startAlone, type RunningAgent } from '@mesh/runtime';
import { callTool } from '@mesh/testkit';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildServices } from './services.js';

describe('cart-agent alone (no registry: product and order providers unavailable)', () => {
  let running: RunningAgent;

  beforeAll(async () => {
    const config = loadConfig({});
    running = await startAlone(agent, await buildServices(config, silentLogger()), config.mesh);
  });

  afterAll(() => running?.stop());

  it('shows an empty cart without asking for prices', async () => {
    const reply = await callTool(running.url, 'cart_get', { user_id: 'user-1' });
    expect(reply.result?.structuredContent).toMatchObject({ user_id: 'user-1', lines: [], total_cents: 0 });
  });

  it('fails to add while no product provider is up (the wait for one ends at the deadline)', async () => {
    const reply = await callTool(running.url, 'cart_add_items', {
      user_id: 'user-1',
      items: [{ sku: 'ITEM-1', quantity: 1 }],
    });
    expect(reply.result?.isError).toBe(true);
    expect(reply.result?.content?.[0]?.text).toMatch(/DEPENDENCY_UNAVAILABLE|TIMEOUT/);
  });

  it('refuses a quantity beyond the bound before the handler runs (invalid params)', async () => {
    const reply = await callTool(running.url, 'cart_add_items', {
      user_id: 'user-1',
      items: [{ sku: 'ITEM-1', quantity: 100 }],
    });
    expect(reply.error?.code).toBe(-32602);
  });

  it('declares what architecture.yml says it provides and calls', () => {
    const manifest = agent.manifest();
    expect(manifest.tools.map((tool) => tool.capability)).toEqual([
      'cart_get',
      'cart_add_items',
      'cart_set_items',
      'cart_clear',
      'cart_checkout',
    ]);
    const calls = new Set(manifest.tools.flatMap((tool) => tool.dependencies.map((dep) => dep.capability)));
    expect([...calls].sort()).toEqual(['order_processing', 'product_lookup']);
  });
});
