import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createPgPool, postgresEnvShape, toPgConfig } from '@mesh/backends';
import { createLogger, envInt, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { z } from 'zod';
import { defaultModelPath } from './config.js';
import { modelProblem } from './model.js';
import { completedOrders } from './order-history.js';
import { replaceFile } from './replace-file.js';
import { defaultTrainOptions, trainModel } from './train.js';

/**
 * Trains the recommendation model from the completed orders in business_db and writes it to ML_MODEL_PATH
 * (written beside it, then renamed over it, so the agent never reads half a file; it reloads on the rename).
 *
 *   pnpm --filter @mesh/agent-recommendation train   (DATABASE_URL or DB_*; ML_MODEL_PATH or MESH_HOME)
 *   node scripts/train-recommendations.mjs              (the same, defaulting to the running local system)
 */
const schema = z.object({
  ...postgresEnvShape,
  ML_MODEL_PATH: z.string().min(1).optional(),
  MESH_HOME: z.string().min(1).optional(),
  /** The most recent completed orders trained on. */
  ML_TRAIN_MAX_ORDERS: envInt(1_000_000, 1, 100_000_000),
  /** Neighbours kept per SKU. */
  ML_TRAIN_NEIGHBOURS: envInt(defaultTrainOptions.neighbours, 1, 1_000),
});

export async function train(env: Env = process.env): Promise<{ path: string; orders: number; skus: number }> {
  // Problems only: the command prints its one-line summary itself.
  const logger = createLogger({ name: 'train-recommendations', level: 'warn' });
  const config = parseEnvConfig(schema, resolveSecretFiles(env, ['DB_PASSWORD']), 'train-recommendations');
  const pg = toPgConfig(config, { defaultDatabase: 'business_db' });
  if (pg === undefined)
    throw new Error('train-recommendations: set DATABASE_URL (or DB_HOST) to the order store');
  const path = config.ML_MODEL_PATH ?? defaultModelPath(config);
  const pool = createPgPool({ ...pg, max: 1 }, { logger, applicationName: 'train-recommendations' });
  try {
    const history = [];
    for await (const order of completedOrders(pool, { maxOrders: config.ML_TRAIN_MAX_ORDERS }))
      history.push(order);
    const model = trainModel(history, { ...defaultTrainOptions, neighbours: config.ML_TRAIN_NEIGHBOURS });
    // The agent checks the file the same way: never write one it would refuse.
    const problem = modelProblem(model);
    if (problem !== undefined)
      throw new Error(`train-recommendations: the trained model is invalid: ${problem}`);
    await mkdir(dirname(path), { recursive: true });
    await replaceFile(path, JSON.stringify(model));
    const skus = Object.keys(model.neighbours).length;
    logger.info(
      { path, orders: model.orders, skus, best_sellers: model.best_sellers.length },
      'model written',
    );
    return { path, orders: model.orders, skus };
  } finally {
    await pool.end();
  }
}
