/**
 * When a start began, for the "ready in" figure: the moment the user pressed enter, not the moment meshctl's
 * own code began to run. Node's start-up and module loading (seconds on a busy machine) and the start script's
 * shell are part of what the user waits for.
 */

/** The start script's own start (epoch ms), set by scripts/start-multi-agent.sh before it runs meshctl. */
export const START_EPOCH_VARIABLE = 'MESH_START_EPOCH_MS';
/** A start script's epoch further back than this before meshctl's process began is stale (inherited), not ours. */
const MAX_SCRIPT_LEAD_MS = 60_000;

/**
 * Epoch ms the start began: MESH_START_EPOCH_MS when it is a plausible start of the script that ran this
 * process (before this process began, by at most a minute), else this process's start (performance.timeOrigin,
 * taken as Node starts, before any module loads).
 */
export function startEpochMs(
  env: NodeJS.ProcessEnv,
  processStartMs: number = performance.timeOrigin,
): number {
  const raw = env[START_EPOCH_VARIABLE];
  const script = raw !== undefined && /^\d{10,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (script <= processStartMs && script >= processStartMs - MAX_SCRIPT_LEAD_MS) return script;
  return processStartMs;
}
