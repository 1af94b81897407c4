import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type OfficialBinary = 'mcp-mesh-registry' | 'meshctl';

/**
 * The path of an official MCP Mesh binary from the optional `@mcpmesh/cli-linux-x64` package,
 * or undefined where it is not installed (it exists for linux x64 only).
 */
export function officialMeshBinary(name: OfficialBinary): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const packageJson = require.resolve('@mcpmesh/cli-linux-x64/package.json');
    const binary = join(dirname(packageJson), 'bin', name);
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}
