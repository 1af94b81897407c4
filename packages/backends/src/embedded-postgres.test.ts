import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@mesh/testkit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-postgres.js';

describe('startEmbeddedPostgres', () => {
  it('initialises a data dir, accepts pg connections, and reuses the dir after a restart', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'mesh-embedded-pg-'));
    // mkdtemp makes a private (0700) directory; as root the server runs as another user who must get through.
    await chmod(parent, 0o755);
    const dataDir = join(parent, 'nested', 'data');
    try {
      const port = await freePort();
      const first = await startEmbeddedPostgres({ dataDir, port });
      expect(first.initialised).toBe(true);
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
      await client.end();
      await first.stop();

      const second = await startEmbeddedPostgres({ dataDir, port });
      try {
        expect(second.initialised).toBe(false);
        const again = new pg.Client({ connectionString: second.url });
        await again.connect();
        const result = await again.query<{ n: number }>('SELECT n FROM kept');
        await again.end();
        expect(result.rows).toEqual([{ n: 42 }]);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  }, 60_000);
});
