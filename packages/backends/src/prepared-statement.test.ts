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
});
