import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { realServerUrl } from '@mesh/testkit';

const url = realServerUrl('postgres');
const root = fileURLToPath(new URL('../../..', import.meta.url));
const suffix = randomBytes(4).toString('hex');
const names = [`t_mcp_mesh_${suffix}`, `t_auth_db_${suffix}`, `t_business_db_${suffix}`];

async function existing(adminUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const rows = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = ANY($1)',
      [names],
    );
    return rows.rows.map((r) => r.datname).sort();
  } finally {
    await client.end();
  }
}

describe.skipIf(!url)('database initialisation on a real PostgreSQL', () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  });

  it('scripts/init-databases.sh creates missing databases and is safe to run again', async () => {
    const first = spawnSync(`${root}/scripts/init-databases.sh`, [url!, ...names], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.match(/: created/g)).toHaveLength(3);
    expect(await existing(url!)).toEqual([...names].sort());
    const second = spawnSync(`${root}/scripts/init-databases.sh`, [url!, ...names], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.status).toBe(0);
    expect(second.stdout.match(/: exists/g)).toHaveLength(3);
  });

  it('the compose Postgres init script creates every database of POSTGRES_MULTIPLE_DATABASES', async () => {
    const parsed = new URL(url!);
    const extra = `t_init_${suffix}`;
    names.push(extra);
    const run = spawnSync(`${root}/deploy/postgres/init/01-create-databases.sh`, [], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        ...process.env,
        PGHOST: parsed.hostname,
        PGPORT: parsed.port || '5432',
        PGPASSWORD: decodeURIComponent(parsed.password),
        POSTGRES_USER: decodeURIComponent(parsed.username),
        POSTGRES_MULTIPLE_DATABASES: ` ${extra}, ${names[0]}`,
      },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`creating database ${extra}`);
    expect(run.stdout).not.toContain(`creating database ${names[0]}`);
    expect(await existing(url!)).toContain(extra);
  });

  it('rejects a database name that is not a plain identifier', () => {
    const run = spawnSync(`${root}/scripts/init-databases.sh`, [url!, 'bad"; DROP'], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('invalid database name');
  });
});
