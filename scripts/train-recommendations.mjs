#!/usr/bin/env node
// Trains the recommendation model from the completed orders and writes it where the recommendation agent
// reads it (it reloads on its own). Also `pnpm --filter @mesh/agent-recommendation train`.
//
//   node scripts/train-recommendations.mjs
//
// Where from and where to: DATABASE_URL (or DB_*) and ML_MODEL_PATH when set; otherwise those of the
// recommendation agent of the running local system (MESH_HOME/state.json, MESH_HOME defaulting to .mesh);
// otherwise MESH_HOME/models/recommendations.json. Build first (pnpm build).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const command = join(root, 'agents/recommendation/dist/train-command.js');
if (!existsSync(command)) {
  process.stderr.write(`${command} is missing: build first (pnpm build)\n`);
  process.exit(1);
}

const home = process.env.MESH_HOME || join(root, '.mesh');
/** The recommendation agent's environment in the running local system, if there is one. */
function runningAgentEnv() {
  const file = join(home, 'state.json');
  if (!existsSync(file)) return {};
  try {
    const state = JSON.parse(readFileSync(file, 'utf8'));
    const record = (state.processes ?? []).find((p) => p.name === 'recommendation-agent');
    return record?.env ?? {};
  } catch {
    return {};
  }
}

const env = { ...process.env, MESH_HOME: home };
const configured = Boolean(env.DATABASE_URL || env.DB_HOST);
const agent = runningAgentEnv();
if (!configured && agent.DATABASE_URL) env.DATABASE_URL = agent.DATABASE_URL;
if (!env.ML_MODEL_PATH && agent.ML_MODEL_PATH) env.ML_MODEL_PATH = agent.ML_MODEL_PATH;

const { train } = await import(pathToFileURL(command).href);
try {
  const { path, orders, skus } = await train(env);
  process.stdout.write(`trained on ${orders} completed orders: ${skus} SKUs with neighbours -> ${path}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
