import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { startAlone, type RunningAgent } from '@mesh/runtime';
import { callTool } from '@mesh/testkit';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { buildServices } from './services.js';
import { trainModel } from './train.js';

describe('recommendation-agent over MCP with a model file (no registry: cart unavailable)', () => {
  let running: RunningAgent;
  const dir = mkdtempSync(join(tmpdir(), 'recommendation-agent-'));

  beforeAll(async () => {
    const path = join(dir, 'model.json');
    const model = trainModel([
      {
        user_id: 'ann',
        items: [
          { sku: 'TEA', quantity: 1 },
          { sku: 'POT', quantity: 1 },
        ],
      },
      { user_id: 'bob', items: [{ sku: 'TEA', quantity: 2 }] },
    ]);
    writeFileSync(path, JSON.stringify(model));
    const config = loadConfig({ ML_MODEL_PATH: path });
    const services = await buildServices(config, silentLogger());
    running = await startAlone(agent, services, config.mesh);
  });

  afterAll(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("recommends from the model (the user's past orders) even while the cart cannot be asked", async () => {
    const reply = await callTool(running.url, 'recommendation_get', { user_id: 'bob', limit: 2 });
    expect(reply.result?.structuredContent).toMatchObject({
      recommendations: [{ sku: 'POT', reason: 'bought_together' }],
      model: { source: 'model' },
    });
  });

  it('refuses a limit beyond the bound before the handler runs (invalid params)', async () => {
    const reply = await callTool(running.url, 'recommendation_get', { user_id: 'bob', limit: 500 });
    expect(reply.error?.code).toBe(-32602);
  });

  it('declares what architecture.yml says it provides and calls', () => {
    const manifest = agent.manifest();
    expect(manifest.tools.map((tool) => tool.capability)).toEqual(['recommendation_get']);
    expect(manifest.tools[0]?.dependencies.map((d) => d.capability).sort()).toEqual([
      'cart_get',
      'product_list',
    ]);
  });
});
