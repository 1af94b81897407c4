// Measures demo seeding: 101 scrypt hashes (user-0..user-99 and admin) into a throwaway database,
// then a second run that must find everything present. Usage:
//   BENCH_POSTGRES_URL=postgres://mesh:mesh@127.0.0.1:5432/postgres node agents/auth/dist/bench/seed-demo.js
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { runMigrations } from '@mesh/backends';
import { PgCredentialStore } from '../credential-store.js';
import { demoAccounts, seedDemoCredentials } from '../demo-seed.js';
import { authMigrations } from '../migrations.js';
import { hashPassword } from '../password-hash.js';

const adminUrl = process.env['BENCH_POSTGRES_URL'] ?? process.env['MESH_TEST_POSTGRES_URL'];
if (adminUrl === undefined) {
  process.stderr.write('set BENCH_POSTGRES_URL to a PostgreSQL URL allowed to CREATE DATABASE\n');
  process.exit(2);
}

const name = `auth_seed_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}"`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
// DROP … WITH (FORCE) below ends idle connections; that is expected here.
pool.on('error', () => undefined);
try {
  const started = performance.now();
  await hashPassword('demo');
  const oneHashMs = Math.round(performance.now() - started);
  await runMigrations(pool, authMigrations, { name: 'auth' });
  const store = new PgCredentialStore(pool);
  const first = await seedDemoCredentials({ pool, store, accounts: demoAccounts(100) });
  const second = await seedDemoCredentials({ pool, store, accounts: demoAccounts(100) });
  const report = {
    accounts: first.created,
    seed_ms: first.durationMs,
    one_hash_ms: oneHashMs,
    second_start_ms: second.durationMs,
    second_start_created: second.created,
    cores: cpus().length,
    load_average_1m: Number(loadavg()[0]?.toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
