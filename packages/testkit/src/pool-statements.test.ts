import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { recordPoolStatements } from './pool-statements.js';

describe('recordPoolStatements', () => {
  it('records each statement text, plain or as a config, passes the call through, and clears', async () => {
    const sent: unknown[][] = [];
    const pool = { query: (...args: unknown[]) => (sent.push(args), Promise.resolve({ rows: [] })) };
    const statements = recordPoolStatements(pool as unknown as pg.Pool);
    await (pool as unknown as pg.Pool).query('SELECT 1');
    await (pool as unknown as pg.Pool).query({ name: 'two', text: 'SELECT $1', values: [2] });
    expect(statements.texts).toEqual(['SELECT 1', 'SELECT $1']);
    expect(sent).toEqual([['SELECT 1'], [{ name: 'two', text: 'SELECT $1', values: [2] }]]);
    statements.clear();
    expect(statements.texts).toEqual([]);
  });
});
