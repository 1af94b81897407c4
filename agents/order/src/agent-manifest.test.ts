import { describe, expect, it } from 'vitest';
import { agent } from './agent.js';

describe('order-agent declaration', () => {
  it('declares each dependency once (the saga consumer group), so the registry resolves each once', () => {
    const manifest = agent.manifest();
    const declared = [
      ...manifest.tools.flatMap((tool) => tool.dependencies.map((dep) => dep.capability)),
      ...manifest.dependencies.map((dep) => dep.capability),
    ];
    expect(declared.length).toBe(new Set(declared).size);
    expect(declared).toContain('payment_process');
    expect(declared).toContain('inventory_commit_reservations');
  });
});
