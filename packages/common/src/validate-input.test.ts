import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isMeshError } from './mesh-error.js';
import { validateEach, validateInput } from './validate-input.js';

const schema = z.object({
  name: z.string().min(3),
  items: z.array(z.object({ quantity: z.number().int().min(1) })),
  limit: z.number().int().default(20),
});

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('validateInput', () => {
  it('returns the parsed output with defaults when the input is valid', () => {
    expect(validateInput(schema, { name: 'abc', items: [{ quantity: 1 }] })).toEqual({
      name: 'abc',
      items: [{ quantity: 1 }],
      limit: 20,
    });
  });

  it('throws one VALIDATION_FAILED error naming every invalid field when several are wrong', () => {
    const error = caught(() => validateInput(schema, { name: 'x', items: [{ quantity: 0 }] }));
    expect(isMeshError(error, 'VALIDATION_FAILED')).toBe(true);
    if (!isMeshError(error)) return;
    expect(error.message).toMatch(/^name: .+; items\.0\.quantity: .+$/);
    const issues = error.data?.['issues'] as { path: string; message: string }[];
    expect(issues.map((i) => i.path)).toEqual(['name', 'items.0.quantity']);
    expect(issues.every((i) => i.message.length > 0)).toBe(true);
  });

  it('names the input itself when the whole value has the wrong type', () => {
    const error = caught(() => validateInput(schema, 'not an object'));
    expect(isMeshError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/^\(input\): /);
  });
});

describe('validateEach', () => {
  it('keeps valid items with their positions and reports each invalid one by index when a batch is mixed', () => {
    const result = validateEach(schema, [
      { name: 'abc', items: [] },
      { name: 'x', items: [] },
      'not an object',
      { name: 'defg', items: [{ quantity: 2 }], limit: 5 },
    ]);
    expect(result.valid).toEqual([
      { index: 0, value: { name: 'abc', items: [], limit: 20 } },
      { index: 3, value: { name: 'defg', items: [{ quantity: 2 }], limit: 5 } },
    ]);
    expect(result.rejected.map((item) => item.index)).toEqual([1, 2]);
    expect(result.rejected[0]?.error).toContain('name:');
  });

  it('returns nothing rejected when every item is valid', () => {
    expect(validateEach(schema, [{ name: 'abc', items: [] }]).rejected).toEqual([]);
  });
});
