// Where the running local system of bench-orders lives: the directory meshctl (start-multi-agent.sh) used.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * MESH_HOME as meshctl reads it (unset or empty: `<root>/.mesh`). meshctl resolves a relative MESH_HOME from
 * the directory it was started in; `pnpm bench:orders` runs this script from the repository root whatever the
 * caller's directory, so a relative value is resolved from INIT_CWD (where pnpm was called) when pnpm set it.
 */
export function meshHomeOf(env, root, cwd = process.cwd()) {
  const value = env['MESH_HOME'];
  if (value === undefined || value === '') return join(root, '.mesh');
  const from = env['INIT_CWD'] !== undefined && env['INIT_CWD'] !== '' ? env['INIT_CWD'] : cwd;
  return resolve(from, value);
}

/**
 * The state.json of the local system running from `home`. Throws NO_SYSTEM (with the start command) when none
 * runs there, NOT_LOCAL when it runs in Docker: the scripts read its processes from /proc.
 */
export function readLocalState(home) {
  const file = join(home, 'state.json');
  let state;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(
      `NO_SYSTEM: no running system found (${file}); start it with ./scripts/start-multi-agent.sh`,
    );
  }
  if (state.mode !== 'local')
    throw new Error(
      `NOT_LOCAL: the system in ${home} runs in ${state.mode} mode, not local (MESH_MODE=local)`,
    );
  return state;
}
