import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { loadConfig } from '../config.js';
import { Launcher } from './launcher.js';

const repoArchitecture = fileURLToPath(new URL('../../../../architecture.yml', import.meta.url));

function launcher(databasePrefix?: string): Launcher {
  return new Launcher(loadArchitecture(repoArchitecture), {
    root: '/nowhere',
    home: '/nowhere/.mesh',
    env: { DATABASE_URL: 'postgres://mesh:secret@127.0.0.1:5432/postgres' },
    portOffset: 0,
    ...(databasePrefix === undefined ? {} : { databasePrefix }),
    timeoutMs: 1000,
    log: () => undefined,
  });
}

describe('Launcher agent environment', () => {
  it('gives each agent its own database on the configured server, behind MESH_DATABASE_PREFIX', () => {
    const plain = launcher();
    const prefixed = launcher('e2e_ab12_');
    const auth = plain.arch.agents.find((agent) => agent.name === 'auth-agent')!;
    expect(plain.agentEnv(auth, 9000, 1)['DATABASE_URL']).toBe(
      'postgres://mesh:secret@127.0.0.1:5432/auth_db',
    );
    expect(prefixed.agentEnv(auth, 9000, 1)['DATABASE_URL']).toBe(
      'postgres://mesh:secret@127.0.0.1:5432/e2e_ab12_auth_db',
    );
  });

  it('accepts only prefixes that make valid database names', () => {
    expect(loadConfig({ MESH_DATABASE_PREFIX: 'run_7_' }).MESH_DATABASE_PREFIX).toBe('run_7_');
    expect(loadConfig({}).MESH_DATABASE_PREFIX).toBe('');
    expect(() => loadConfig({ MESH_DATABASE_PREFIX: 'Bad-Name' })).toThrow(/MESH_DATABASE_PREFIX/);
  });
});
