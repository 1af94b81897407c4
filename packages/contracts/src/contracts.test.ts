import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as contracts from './index.js';
import { dataQuery, dataStorage, defineContract, inventoryQuote } from './index.js';
import type { Contract } from './index.js';

const all = (Object.values(contracts) as unknown[]).filter(
  (value): value is Contract => typeof value === 'object' && value !== null && 'capability' in value,
);

describe('contracts', () => {
  it('names every capability once, with an x.y.z version', () => {
    const names = all.map((contract) => contract.capability);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(27);
    for (const contract of all) expect(contract.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('gives every capability an object input schema, as MCP requires', () => {
    for (const contract of all) {
      const json = z.toJSONSchema(contract.input, { io: 'input', unrepresentable: 'any' });
      expect(json.type, contract.capability).toBe('object');
    }
  });

  it('refuses a capability or version a registry would not accept', () => {
    const spec = { input: z.object({}), output: z.object({}) };
    expect(() => defineContract({ ...spec, capability: 'has space', version: '1.0.0' })).toThrow(
      /capability/,
    );
    expect(() => defineContract({ ...spec, capability: 'ok', version: '>=1' })).toThrow(/version/);
  });

  it('checks an operation against its own input and output', () => {
    expect(dataQuery.input.safeParse({ op: 'stock.get', skus: ['a'] }).success).toBe(true);
    expect(dataQuery.input.safeParse({ op: 'stock.get', user_id: 'u' }).success).toBe(false);
    expect(dataQuery.input.safeParse({ op: 'stock.drop' }).success).toBe(false);
    const stock = dataQuery.outputFor({ op: 'stock.get' });
    expect(stock.safeParse({ items: [], missing: [] }).success).toBe(true);
    expect(stock.safeParse({ id: 'u', username: 'u', email: 'e', name: 'n' }).success).toBe(false);
    expect(dataStorage.outputFor({ op: 'stock.expire_reservations' }).safeParse({ expired: 0 }).success).toBe(
      false,
    );
  });

  it('types the result of one operation by its op', async () => {
    const calls: unknown[] = [];
    const proxy = {
      call: (args: unknown) => {
        calls.push(args);
        return Promise.resolve({ items: [], missing: ['x'] });
      },
    };
    const result = await dataQuery.run(proxy, { op: 'stock.get', skus: ['x'] });
    const missing: string[] = result.missing;
    // @ts-expect-error: stock.get answers no users
    void result.users;
    const wrongArgs = () =>
      // @ts-expect-error: stock.get takes skus
      dataQuery.run(proxy, { op: 'stock.get', user_id: 'u' });
    void wrongArgs;
    expect(missing).toEqual(['x']);
    expect(calls).toEqual([{ op: 'stock.get', skus: ['x'] }]);
  });

  it('keeps contracts frozen, so no module can change what others compiled against', () => {
    expect(Object.isFrozen(inventoryQuote)).toBe(true);
  });
});
