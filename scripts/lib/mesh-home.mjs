// Where the running local system of bench-orders lives: the directory meshctl (start-multi-agent.sh) used.
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
