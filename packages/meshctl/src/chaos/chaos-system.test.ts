import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadChaosSystem } from './chaos-system.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fileWith(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-system-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'system.json'), content);
  return join(dir, 'system.json');
}

describe('loadChaosSystem', () => {
  it("reads the demo system's description from the scripts layer", () => {
    const system = loadChaosSystem(repoRoot);
    expect(system.chaosVictims).toContain('order-agent');
    expect(system.shopper.username).toBe('user-1');
    expect(system.chaosSkus.length).toBeGreaterThan(0);
  });

  it('names the bad field of a description of ones own', () => {
    const file = fileWith(
      JSON.stringify({
        chaosVictims: [],
        shopper: { username: 'u', password: 'p' },
        chaosSkus: ['A'],
        paymentSandboxKey: 'sk_test_12345678',
      }),
    );
    expect(() => loadChaosSystem('/', file)).toThrow(/system\.json: chaosVictims: /);
  });

  it('says which file it could not read or parse', () => {
    expect(() => loadChaosSystem('/', '/nonexistent/system.json')).toThrow(
      /cannot read the system description \/nonexistent\/system\.json \(--system FILE\)/,
    );
    expect(() => loadChaosSystem('/', fileWith('{ not json'))).toThrow(/cannot read the system description/);
  });

  it('refuses unknown fields, so a misspelt one is not silently ignored', () => {
    const file = fileWith(
      JSON.stringify({
        chaosVictims: ['a'],
        shopper: { username: 'u', password: 'p' },
        chaosSkus: ['A'],
        paymentSandboxKey: 'sk_test_12345678',
        chaosVictim: ['b'],
      }),
    );
    expect(() => loadChaosSystem('/', file)).toThrow(/Unrecognized key/);
  });
});
