import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { skipOrFailInCi } from './skip-or-fail.js';

export type OfficialBinary = 'mcp-mesh-registry' | 'meshctl';

const PACKAGE = '@mcpmesh/cli-linux-x64';

/** Where the optional package put the binary, or undefined when it is not installed. */
function installedBinary(name: OfficialBinary): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const binary = join(dirname(require.resolve(`${PACKAGE}/package.json`)), 'bin', name);
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The path of an official MCP Mesh binary from the optional `@mcpmesh/cli-linux-x64` package (published for
 * linux x64 only). Missing, it follows the real-server rule: a failure in CI (`CI=true`), otherwise undefined
 * with a one-line reason on stderr, so the caller can `describe.skipIf`.
 */
export function officialMeshBinary(
  name: OfficialBinary,
  env: NodeJS.ProcessEnv = process.env,
  locate: (name: OfficialBinary) => string | undefined = installedBinary,
): string | undefined {
  const binary = locate(name);
  if (binary !== undefined) return binary;
  skipOrFailInCi(
    {
      tests: `tests against the official ${name}`,
      reason: `${PACKAGE} is not installed (it is published for linux x64 only)`,
      fix: `pnpm install on linux x64 installs it as an optional dependency of @mesh/testkit`,
    },
    env,
  );
  return undefined;
}
