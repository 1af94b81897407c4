import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@mesh/common';
import { seriesValue } from '@mesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { RecommendationMetrics } from './metrics.js';
import { ModelSource } from './model-source.js';
import { Recommender, type RecommenderPorts } from './recommender.js';
import { replaceFile } from './replace-file.js';
import { trainModel } from './train.js';

const model = trainModel([
  {
    user_id: 'ann',
    items: [
      { sku: 'TEA', quantity: 1 },
      { sku: 'CUP', quantity: 1 },
    ],
  },
]);

const ports = (sellers: { sku: string; units: number }[]): RecommenderPorts => ({
  cartSkus: async () => [],
  bestSellers: async () => sellers,
  catalogueSkus: async () => ['ITEM-1', 'ITEM-2'],
});

describe('recommendation_answers_total', () => {
  it('counts each answer by its source: model, best sellers, catalogue', async () => {
    const metrics = new RecommendationMetrics();
    let current: typeof model | undefined = undefined;
    const recommender = new Recommender(
      () => current,
      silentLogger(),
      (source) => metrics.countAnswer(source),
    );
    const request = { user_id: 'ann', limit: 3, exclude: [] };
    await recommender.recommend(ports([]), request);
    await recommender.recommend(ports([{ sku: 'TEA', units: 3 }]), request);
    current = model;
    await recommender.recommend(ports([]), request);
    await recommender.recommend(ports([]), request);

    expect(await seriesValue(metrics, 'recommendation_answers_total', { source: 'catalogue' })).toBe(1);
    expect(await seriesValue(metrics, 'recommendation_answers_total', { source: 'best_sellers' })).toBe(1);
    expect(await seriesValue(metrics, 'recommendation_answers_total', { source: 'model' })).toBe(2);
  });

  it('serves every source at 0 before the first answer', async () => {
    const text = await new RecommendationMetrics().registry.metrics();
    for (const source of ['model', 'best_sellers', 'catalogue'])
      expect(text).toContain(`recommendation_answers_total{source="${source}"} 0`);
  });
});

describe('the model metrics', () => {
  const dirs: string[] = [];
  const sources: ModelSource[] = [];
  afterEach(() => {
    for (const source of sources.splice(0)) source.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A model source over a file in a fresh directory, counting into `metrics`, not watching (reloads by hand). */
  async function setUp() {
    const dir = mkdtempSync(join(tmpdir(), 'model-metrics-'));
    dirs.push(dir);
    await mkdir(join(dir, 'models'));
    const path = join(dir, 'models', 'recommendations.json');
    const metrics = new RecommendationMetrics();
    const source = new ModelSource({
      path,
      debounceMs: 60_000,
      maxBytes: 1_000_000,
      logger: silentLogger(),
      onReload: (outcome) => metrics.countReload(outcome),
    });
    sources.push(source);
    const publish = (content: string) => replaceFile(path, content);
    return { metrics, source, publish };
  }

  it('says when the model in memory was trained and on how many orders, and counts reloads by outcome', async () => {
    const { metrics, source, publish } = await setUp();
    await source.reload();
    expect(await seriesValue(metrics, 'recommendation_model_reloads_total', { outcome: 'missing' })).toBe(1);
    expect(await seriesValue(metrics, 'recommendation_model_trained_timestamp_seconds')).toBe(0);

    await publish(JSON.stringify(model));
    await source.reload();
    expect(await seriesValue(metrics, 'recommendation_model_reloads_total', { outcome: 'loaded' })).toBe(1);
    expect(await seriesValue(metrics, 'recommendation_model_trained_timestamp_seconds')).toBe(
      Date.parse(model.trained_at) / 1000,
    );
    expect(await seriesValue(metrics, 'recommendation_model_orders')).toBe(1);
    expect(await seriesValue(metrics, 'recommendation_model_file_refused')).toBe(0);
  });

  it('flags a refused file until a valid one is loaded, keeping the loaded model’s training time', async () => {
    const { metrics, source, publish } = await setUp();
    await publish(JSON.stringify(model));
    await source.reload();
    await publish('{"format": "something else"}');
    await source.reload();
    await source.reload();
    expect(await seriesValue(metrics, 'recommendation_model_reloads_total', { outcome: 'refused' })).toBe(2);
    expect(await seriesValue(metrics, 'recommendation_model_file_refused')).toBe(1);
    expect(await seriesValue(metrics, 'recommendation_model_trained_timestamp_seconds')).toBe(
      Date.parse(model.trained_at) / 1000,
    );

    await publish(JSON.stringify(model));
    await source.reload();
    expect(await seriesValue(metrics, 'recommendation_model_file_refused')).toBe(0);
    expect(await seriesValue(metrics, 'recommendation_model_reloads_total', { outcome: 'loaded' })).toBe(2);
  });
});
