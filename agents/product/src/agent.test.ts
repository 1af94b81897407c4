import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { startAlone, type RunningAgent } from '@mesh/runtime';
import { callTool } from '@mesh/testkit';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildServices } from './services.js';

const catalogue = [
  { sku: 'ITEM-1', name: 'Demo item 1', price: 9.99, currency: 'usd', available: 5 },
  { sku: 'ITEM-2', name: 'Demo item 2', price: 14.99, currency: 'usd', available: 3 },
];

describe('product-agent over MCP (catalogue from a stand-in source)', () => {
  let running: RunningAgent;

  beforeAll(async () => {
    const config = loadConfig({});
    const services = buildServices(config, silentLogger(), async () => ({
      products: catalogue,
      next_offset: null,
    }));
    running = await startAlone(agent, services, config.mesh);
  });

  afterAll(() => running?.stop());

  it('searches the catalogue', async () => {
    const reply = await callTool(running.url, 'product_list', { q: 'item 2' });
    expect(reply.result?.structuredContent).toMatchObject({
      products: [{ sku: 'ITEM-2', price_cents: 1499 }],
      total: 1,
      limit: 20,
      offset: 0,
      next_offset: null,
    });
  });

  it('answers one product, and NOT_FOUND for an unknown SKU', async () => {
    const found = await callTool(running.url, 'product_get', { sku: 'ITEM-1' });
    expect(found.result?.structuredContent).toMatchObject({ sku: 'ITEM-1', price_cents: 999 });
    const missing = await callTool(running.url, 'product_get', { sku: 'NOPE' });
    expect(missing.result?.isError).toBe(true);
    expect(missing.result?.content?.[0]?.text).toContain('NOT_FOUND');
  });

  it('refuses a page beyond the bounds before the handler runs (invalid params)', async () => {
    const reply = await callTool(running.url, 'product_list', { limit: 1000 });
    expect(reply.error?.code).toBe(-32602);
  });

  it('declares what architecture.yml says it provides and calls', () => {
    const manifest = agent.manifest();
    expect(manifest.tools.map((tool) => tool.capability)).toEqual([
      'product_list',
      'product_get',
      'product_lookup',
    ]);
  });
});
