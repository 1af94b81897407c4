import { describe, expect, it } from 'vitest';
import { parseEnvFile } from './env-file.js';

describe('parseEnvFile', () => {
  it('reads plain, exported, quoted and commented lines', () => {
    const text = '# comment\nA=1\nexport B = two # note\nC="x y\\nz"\nD=\'$HOME\'\n\n';
    expect(parseEnvFile(text)).toEqual({ A: '1', B: 'two', C: 'x y\nz', D: '$HOME' });
  });

  it('names the line of a malformed entry', () => {
    expect(() => parseEnvFile('A=1\nnot a pair\n', 'prod.env')).toThrow('prod.env:2: expected KEY=value');
  });
});
