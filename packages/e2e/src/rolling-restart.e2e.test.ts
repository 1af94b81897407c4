import { randomBytes } from 'node:crypto';
import { realServerUrl } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, postOrder, waitForOrderFinal } from './support/api.js';
import { dropDatabasesWithPrefix } from './support/databases.js';
import { startSystem, type StartedSystem, type SystemState } from './system/harness.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const postgresUrl = realServerUrl('postgres');

/** The pids of an agent's replicas in the system's state file now. */
function pidsOf(system: StartedSystem, name: string): number[] {
  const state = JSON.parse(readFileSync(join(system.home, 'state.json'), 'utf8')) as SystemState;
  return state.processes.filter((process) => process.name === name).map((process) => process.pid);
}

describe.skipIf(!postgresUrl)('meshctl restart: rolling, under load', () => {
  const run = randomBytes(3).toString('hex');
  const prefix = `e2e_roll_${run}_`;
  let system: StartedSystem;
  let token: string;

  beforeAll(async () => {
    system = await startSystem({
      env: { DATABASE_URL: postgresUrl!, MESH_DATABASE_PREFIX: prefix },
      timeoutMs: 240_000,
    });
    token = await login(system.gatewayUrl, 'user-12');
  });

  afterAll(async () => {
    await system?.stop();
    await dropDatabasesWithPrefix(postgresUrl!, prefix).catch(() => undefined);
  });

  it('replaces every replica of the order and user agents while orders flow, with no failed order', async () => {
    const before = { order: pidsOf(system, 'order-agent'), user: pidsOf(system, 'user-agent') };
    const failures: string[] = [];
    const placed: string[] = [];
    let restarting = true;
    const deadline = Date.now() + 150_000;

    // Four callers place orders back to back until the restarts are over (bounded in time).
    const caller = async (id: number): Promise<void> => {
      for (let n = 0; (restarting || n < 3) && Date.now() < deadline; n += 1) {
        const orderId = `roll-${run}-${id}-${n}`;
        placed.push(orderId);
        try {
          let answer = await postOrder(system.gatewayUrl, token, {
            order_id: orderId,
            user_id: 'user-12',
            items: [{ sku: 'ITEM-2', quantity: 1 }],
          });
          // The gateway may answer before the outcome is known; the order's final word is what counts.
          if (answer.status === 202) answer = await waitForOrderFinal(system.gatewayUrl, token, orderId);
          if (answer.body['status'] !== 'completed') {
            failures.push(`${orderId}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
          }
        } catch (error: unknown) {
          failures.push(`${orderId}: ${String(error)}`);
        }
      }
    };
    const callers = [1, 2, 3, 4].map(caller);

    const restarts: string[] = [];
    try {
      for (const agent of ['order-agent', 'user-agent']) {
        const result = await system.script('bin/meshctl', ['restart', agent], 120_000);
        restarts.push(result.output);
        expect(result.code, result.output).toBe(0);
      }
    } finally {
      restarting = false;
      await Promise.all(callers);
    }

    expect(failures).toEqual([]);
    expect(placed.length).toBeGreaterThan(10);
    // Every replica is a new process, and as many run as before.
    const after = { order: pidsOf(system, 'order-agent'), user: pidsOf(system, 'user-agent') };
    expect(after.order).toHaveLength(before.order.length);
    expect(after.user).toHaveLength(before.user.length);
    for (const pid of [...after.order, ...after.user]) {
      expect([...before.order, ...before.user]).not.toContain(pid);
    }
    expect(restarts.join('\n')).toMatch(/user-agent #3 replaced: pid \d+ -> \d+/);
  });
});
