import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Files of a commit the gateway's build needs: its sources, its tsconfigs and the base they extend. */
const SOURCES = [
  'tsconfig.base.json',
  'agents/api-gateway/src',
  'agents/api-gateway/tsconfig.json',
  'agents/api-gateway/tsconfig.build.json',
];

/**
 * Builds the gateway as it was at git `ref` and returns its dist directory: the commit's sources, compiled with
 * this checkout's TypeScript against this checkout's packages (@mesh/common, the runtime…), so only the
 * gateway's own code differs from this build. Kept under the package's node_modules/.cache (module resolution
 * from there finds this package's dependencies), one directory per commit, and reused.
 */
export function buildBaseline(packageDir: string, ref: string): { dist: string; commit: string } {
  const git = (...args: string[]): Buffer => execFileSync('git', args, { cwd: packageDir });
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`).toString('utf8').trim();
  const root = join(packageDir, 'node_modules/.cache/gateway-baseline', commit);
  const dist = join(root, 'agents/api-gateway/dist');
  if (existsSync(join(dist, 'index.js'))) return { dist, commit };
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const top = git('rev-parse', '--show-toplevel').toString('utf8').trim();
  const archive = execFileSync('git', ['archive', commit, ...SOURCES], { cwd: top, maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  const tsc = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'agents/api-gateway/tsconfig.build.json')], {
    stdio: 'inherit',
  });
  return { dist, commit };
}
