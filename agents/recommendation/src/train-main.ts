import { train } from './train-command.js';

/**
 * Trains the model with this process's environment (DATABASE_URL or DB_*, ML_MODEL_PATH): the entry point
 * inside a container, where the agent's own settings are already there:
 *
 *   docker compose -p agent-mesh exec recommendation-agent node agents/recommendation/dist/train-main.js
 *
 * Locally, scripts/train-recommendations.mjs finds the running system's settings instead.
 */
try {
  const { path, orders, skus } = await train();
  process.stdout.write(`trained on ${orders} completed orders: ${skus} SKUs with neighbours -> ${path}\n`);
} catch (e: unknown) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
