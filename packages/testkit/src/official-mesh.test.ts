import { afterEach, describe, expect, it, vi } from 'vitest';
import { officialMeshBinary } from './official-mesh.js';

const notInstalled = () => undefined;

describe('officialMeshBinary', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('returns the located binary, in CI or not', () => {
    const locate = (name: string) => `/opt/mesh/${name}`;
    expect(officialMeshBinary('meshctl', {}, locate)).toBe('/opt/mesh/meshctl');
    expect(officialMeshBinary('mcp-mesh-registry', { CI: 'true' }, locate)).toBe(
      '/opt/mesh/mcp-mesh-registry',
    );
  });

  it('throws naming the package when CI=true and the binary is missing', () => {
    expect(() => officialMeshBinary('mcp-mesh-registry', { CI: 'true' }, notInstalled)).toThrow(
      /@mcpmesh\/cli-linux-x64 is not installed .*CI must not skip tests against the official mcp-mesh-registry/,
    );
  });

  it('returns undefined with a one-line reason on stderr when not in CI', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(officialMeshBinary('meshctl', {}, notInstalled)).toBeUndefined();
    expect(write).toHaveBeenCalledTimes(1);
    const line = String(write.mock.calls[0]?.[0]);
    expect(line).toMatch(
      /^skipping tests against the official meshctl: @mcpmesh\/cli-linux-x64 is not installed/,
    );
    expect(line.trimEnd().includes('\n')).toBe(false);
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    'finds the installed binary when the optional package exists for this platform',
    () => {
      expect(officialMeshBinary('meshctl', {})).toMatch(/cli-linux-x64\/bin\/meshctl$/);
    },
  );
});
