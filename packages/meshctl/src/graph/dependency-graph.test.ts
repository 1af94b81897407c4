import { describe, expect, it } from 'vitest';
import { buildGraph, findCycles, startWaves } from './dependency-graph.js';

describe('findCycles', () => {
  it('returns the cycle as a closed path starting at the smallest name', () => {
    const graph = buildGraph([
      ['order', ['payment']],
      ['payment', ['ledger']],
      ['ledger', ['order']],
      ['user', []],
    ]);
    expect(findCycles(graph)).toEqual([['ledger', 'order', 'payment', 'ledger']]);
  });

  it('finds a self dependency and a two-node cycle separately', () => {
    const graph = buildGraph([
      ['a', ['a']],
      ['b', ['c']],
      ['c', ['b']],
    ]);
    expect(findCycles(graph)).toEqual([
      ['a', 'a'],
      ['b', 'c', 'b'],
    ]);
  });

  it('finds nothing in a diamond', () => {
    const graph = buildGraph([
      ['top', ['left', 'right']],
      ['left', ['base']],
      ['right', ['base']],
    ]);
    expect(findCycles(graph)).toEqual([]);
  });
});

describe('startWaves', () => {
  it('puts each node after everything it depends on', () => {
    const graph = buildGraph([
      ['gateway', ['order', 'auth']],
      ['order', ['user', 'inventory']],
      ['user', ['auth', 'database']],
      ['inventory', ['database']],
      ['auth', []],
      ['database', []],
    ]);
    expect(startWaves(graph)).toEqual([['auth', 'database'], ['inventory', 'user'], ['order'], ['gateway']]);
  });

  it('refuses a cyclic graph naming the cycle', () => {
    expect(() =>
      startWaves(
        buildGraph([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    ).toThrow('dependency cycle: a -> b -> a');
  });
});
