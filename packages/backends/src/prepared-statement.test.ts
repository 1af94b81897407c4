import { describe, expect, it } from 'vitest';
import { prepared } from './prepared-statement.js';

describe('prepared', () => {
  it('names equal SQL texts alike and different texts apart, within PostgreSQL name limits', () => {
    const a = prepared('SELECT $1::int', [1]);
    const again = prepared('SELECT $1::int', [2]);
    const other = prepared('SELECT $1::text', ['x']);
    expect(a.name).toBe(again.name);
    expect(a.name).not.toBe(other.name);
    expect(a.name).toMatch(/^mesh_[0-9a-f]{24}$/);
    expect(again).toMatchObject({ text: 'SELECT $1::int', values: [2] });
  });

  it('refuses a statement whose result is * (a migration could change its shape under the prepared plan)', () => {
    for (const text of [
      'SELECT * FROM f($1)',
      'select o.* from orders o where id = $1',
      'UPDATE t SET a = $1 RETURNING *',
    ]) {
      expect(() => prepared(text, [1]), text).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    }
  });

  it('accepts * where it names no result column', () => {
    expect(() => prepared('SELECT count(*) AS n FROM t WHERE a = $1', [1])).not.toThrow();
    expect(() => prepared('SELECT a, b FROM t WHERE c = $1 * 2', [1])).not.toThrow();
  });
});
