import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@mesh/common';
import { waitFor } from '@mesh/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelSource } from './model-source.js';
import { replaceFile } from './replace-file.js';
import { trainModel } from './train.js';

/** A logger that keeps warn lines (why a file was refused). */
function recordingLogger() {
  const warnings: string[] = [];
  const logger = {
    warn: (fields: { reason?: string }) => warnings.push(fields.reason ?? ''),
    info: () => undefined,
    debug: () => undefined,
    error: () => undefined,
  } as unknown as Logger;
  return { logger, warnings };
}

const modelFor = (sku: string) =>
  trainModel([
    {
      user_id: 'u',
      items: [
        { sku, quantity: 1 },
        { sku: `${sku}-MATE`, quantity: 1 },
      ],
    },
  ]);

describe('ModelSource', () => {
  const dirs: string[] = [];
  const sources: ModelSource[] = [];
  afterEach(() => {
    for (const source of sources.splice(0)) source.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function setUp(options: { maxBytes?: number } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'model-source-'));
    dirs.push(dir);
    const path = join(dir, 'models', 'recommendations.json');
    const { logger, warnings } = recordingLogger();
    const source = new ModelSource({ path, debounceMs: 50, maxBytes: options.maxBytes ?? 1_000_000, logger });
    sources.push(source);
    /** Writes like the trainer: beside the file, then renamed over it. */
    const publish = (content: string) => replaceFile(path, content);
    return { source, path, warnings, publish };
  }

  it('starts without a model when there is no file, and loads one written later', async () => {
    const { source, publish } = setUp();
    await source.start();
    expect(source.model).toBeUndefined();
    await publish(JSON.stringify(modelFor('A')));
    await waitFor(() => (source.model ? true : undefined), { timeoutMs: 5_000, description: 'model loaded' });
    expect(Object.keys(source.model!.neighbours)).toContain('A');
  });

  it('swaps in a new model when the file is replaced (hot reload)', async () => {
    const { source, publish } = setUp();
    await source.start();
    await publish(JSON.stringify(modelFor('A')));
    await waitFor(() => (source.model?.neighbours['A'] ? true : undefined), {
      timeoutMs: 5_000,
      description: 'A',
    });
    await publish(JSON.stringify(modelFor('B')));
    await waitFor(() => (source.model?.neighbours['B'] ? true : undefined), {
      timeoutMs: 5_000,
      description: 'B',
    });
    expect(source.model?.neighbours['A']).toBeUndefined();
  });

  it('keeps the loaded model when the new file is not JSON, not a model, or too large, and says why', async () => {
    const { source, publish, warnings } = setUp({ maxBytes: 5_000 });
    await source.start();
    await publish(JSON.stringify(modelFor('A')));
    await waitFor(() => (source.model ? true : undefined), { timeoutMs: 5_000, description: 'model loaded' });
    const loaded = source.model;

    for (const bad of [
      '{"format": "mesh-recommendations/1", "trunc',
      JSON.stringify({ ...modelFor('B'), format: 'other/9' }),
      'x'.repeat(6_000),
    ]) {
      const before = source.reloads;
      await publish(bad);
      await waitFor(() => (source.reloads > before ? true : undefined), {
        timeoutMs: 5_000,
        description: 'reload',
      });
      expect(source.model).toBe(loaded);
    }
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^not JSON/);
    expect(warnings[1]).toMatch(/^not a model: format/);
    expect(warnings[2]).toMatch(/more than ML_MODEL_MAX_BYTES/);
  });

  it('starts without watching when the directory cannot be made, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-source-'));
    dirs.push(dir);
    // A file where the directory should be: mkdir fails, as on a read-only filesystem.
    await writeFile(join(dir, 'models'), 'not a directory');
    const { logger } = recordingLogger();
    const messages: string[] = [];
    const spy = {
      ...logger,
      warn: (_fields: unknown, message: string) => messages.push(message),
    } as unknown as Logger;
    const source = new ModelSource({
      path: join(dir, 'models', 'model.json'),
      debounceMs: 10,
      maxBytes: 1_000,
      logger: spy,
    });
    sources.push(source);
    await source.start();
    expect(source.model).toBeUndefined();
    expect(messages).toEqual([expect.stringMatching(/cannot be watched/)]);
  });

  it('makes one reload of a burst of changes (debounce)', async () => {
    const { source, publish } = setUp();
    await source.start();
    const before = source.reloads;
    await Promise.all(
      [1, 2, 3].map(() => publish(JSON.stringify(modelFor('A')))).map((p) => p.catch(() => undefined)),
    );
    await waitFor(() => (source.model ? true : undefined), { timeoutMs: 5_000, description: 'model loaded' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(source.reloads - before).toBe(1);
  });
});
