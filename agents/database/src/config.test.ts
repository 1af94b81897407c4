import { isMeshError } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('database-agent loadConfig', () => {
  it('requires a database location', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL/);
  });

  it('uses business_db on the configured server and reads the seed env names', () => {
    const config = loadConfig({
      DB_HOST: 'postgres',
      DB_PASSWORD: 'pw',
      CACHE_HOST: 'redis',
      DEMO_DATA: 'false',
    });
    expect(config.pg).toMatchObject({ host: 'postgres', database: 'business_db', password: 'pw' });
    expect(config.redisUrl).toBe('redis://redis:6379');
    expect(config.demoData).toBe(false);
  });

  it('takes the database from a server URL without a path', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:5433' });
    expect(config.pg.database).toBe('business_db');
    expect(config.redisUrl).toBeUndefined();
    expect(config.demoData).toBe(true);
  });

  it('lists every invalid variable at once', () => {
    try {
      loadConfig({ DB_HOST: 'x', DEMO_DATA: 'maybe', MCP_MESH_HTTP_PORT: 'http' });
      expect.unreachable();
    } catch (error: unknown) {
      expect(isMeshError(error, 'CONFIG_INVALID')).toBe(true);
      expect(String((error as Error).message)).toMatch(
        /DEMO_DATA[\s\S]*MCP_MESH_HTTP_PORT|MCP_MESH_HTTP_PORT[\s\S]*DEMO_DATA/,
      );
    }
  });
});
