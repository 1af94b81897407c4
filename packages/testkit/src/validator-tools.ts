import { spawnSync } from 'node:child_process';
import { skipOrFailInCi } from './skip-or-fail.js';

/** The binaries test files shell out to: the version query that proves each runs, and how to get it. */
const TOOLS = {
  'docker-compose': { versionArgs: ['version'], fix: 'apt-get install docker-compose' },
  helm: { versionArgs: ['version'], fix: 'deploy/helm/install-helm.sh, then PATH=.mesh/bin:$PATH' },
  prometheus: { versionArgs: ['--version'], fix: 'apt-get install prometheus' },
  promtool: { versionArgs: ['--version'], fix: 'apt-get install prometheus' },
} as const;

export type ValidatorTool = keyof typeof TOOLS;

/**
 * Whether `tests` can run `tool`. When they cannot, skipOrFailInCi says so: CI installs every one of these
 * tools, so there it throws; elsewhere it writes one line naming the tests, the tool and how to get it, and
 * the caller skips (`describe.skipIf(!available)`).
 */
export function toolAvailable(tool: ValidatorTool, tests: string): boolean {
  // On PATH and working: its version query exits 0 within 10 s.
  const runs = spawnSync(tool, TOOLS[tool].versionArgs, { stdio: 'ignore', timeout: 10_000 }).status === 0;
  if (!runs) skipOrFailInCi({ tests, reason: `${tool} is not on PATH`, fix: TOOLS[tool].fix });
  return runs;
}
