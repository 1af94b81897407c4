import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chargeViolations } from '@mesh/meshctl';
import { startProcess, stopAllProcesses, waitFor, type StartedProcess } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, login, postJson, type HttpAnswer } from './support/api.js';
import { readEndpoints, type RecordedProcess, type SystemEndpoints } from './support/environment.js';
import { BusinessDb, chargesByOrder } from './support/ledgers.js';
import { REPO_ROOT, isAlive, startSystem, type StartedSystem } from './system/harness.js';

const SANDBOX_KEY = 'sk_test_mesh_sandbox_4eC39HqLyjWDarjtT1zdp7dc';
/** The gateway's own deadline for POST /orders in this run: past it the answer is 202 pending. */
const GATEWAY_ORDER_TIMEOUT_MS = 2_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One POST /orders of the load, as answered (status 0: no answer at all). */
interface Placed {
  orderId: string;
  status: number;
  code?: string;
  retryAfter: string | null;
  location: string | null;
  sentAt: number;
}

/**
 * Money and answers when the database dies: the embedded PostgreSQL server process (the postmaster) is
 * SIGKILLed under a steady order stream and restarted. Every order must end where its money is: no order
 * that did not complete may hold a standing charge (after the reconciliation pass), no answer may be a 500,
 * no error answer may later turn into a completed order, and an order the gateway could not wait for is
 * answered 202 pending and settles later.
 */
describe('money and answers across a PostgreSQL crash (embedded default)', () => {
  const run = randomBytes(3).toString('hex');
  const SKU = `E2E-${run}-CRASH`;
  let system: StartedSystem;
  let endpoints: SystemEndpoints;
  let gateway: string;
  let postgres: RecordedProcess;
  let restarted: StartedProcess | undefined;
  const tokens: string[] = [];

  const sandbox = (path: string, form?: Record<string, string>): Promise<Response> =>
    fetch(`${endpoints.paymentUrl}${path}`, {
      method: form === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${SANDBOX_KEY}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form === undefined ? undefined : new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(10_000),
    });

  const place = async (orderId: string, userIndex: number): Promise<Placed> => {
    const sentAt = Date.now();
    let answer: HttpAnswer | undefined;
    try {
      answer = await postJson(
        `${gateway}/orders`,
        {
          order_id: orderId,
          user_id: `user-${20 + userIndex}`,
          items: [{ sku: SKU, quantity: 1 }],
          total: 1,
        },
        tokens[userIndex],
        30_000,
      );
    } catch {
      return { orderId, status: 0, retryAfter: null, location: null, sentAt };
    }
    const error = answer.body['error'] as { code?: string } | undefined;
    return {
      orderId,
      status: answer.status,
      code: error?.code,
      retryAfter: answer.headers.get('retry-after'),
      location: answer.headers.get('location'),
      sentAt,
    };
  };

  /** The order's final word: completed, failed, or absent (the system never took it). */
  const finalOf = async (orderId: string, token: string): Promise<string> => {
    let last = 'no answer yet';
    return waitFor(
      async () => {
        const view = await getJson(`${gateway}/orders/${encodeURIComponent(orderId)}`, token);
        last = `HTTP ${view.status} ${JSON.stringify(view.body)}`;
        if (view.status === 404) return 'absent';
        if (view.status !== 200) return undefined;
        const status = view.body['status'];
        const state = view.body['state'];
        if (status === 'completed') return 'completed';
        return state === 'failed' || state === 'compensated' ? 'failed' : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, description: `order ${orderId} to settle` },
    ).catch((error: unknown) => {
      // Where it stood says which step never finished, and the order agent's lines about it say why.
      const log = join(system.home, 'logs', 'order-agent-1.log');
      const lines = existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line.includes(orderId))
            .slice(-20)
        : [];
      throw new Error(`${String(error)}; last seen: ${last}\n${lines.join('\n')}`);
    });
  };

  const postmasterPid = (): number => {
    const text = readFileSync(join(system.home, 'postgres', 'postmaster.pid'), 'utf8');
    const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in postmaster.pid: ${text}`);
    return pid;
  };

  /** Starts PostgreSQL again on the same data directory and port (crash recovery replays its WAL). */
  const restartPostgres = async (): Promise<void> => {
    const script = postgres.args?.[0];
    if (script === undefined) throw new Error('state.json has no command for postgres');
    // The killed postmaster's backends exit on their own within moments; until then the data directory's
    // shared memory is in use and a start fails, so a few bounded attempts.
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const child = startProcess(process.execPath, postgres.args ?? [], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...postgres.env },
      });
      const ready = await waitFor(
        async () => {
          if (child.output().includes('"event":"ready"')) return 'ready';
          return isAlive(child.pid) ? undefined : 'exited';
        },
        { timeoutMs: 60_000, intervalMs: 100, description: 'PostgreSQL to start again' },
      );
      if (ready === 'ready') {
        restarted = child;
        return;
      }
      await sleep(500);
    }
    throw new Error('PostgreSQL did not start again after 10 attempts');
  };

  beforeAll(async () => {
    system = await startSystem({
      env: {
        DEPENDENCY_TIMEOUT: '120s',
        GATEWAY_ORDER_TIMEOUT: `${GATEWAY_ORDER_TIMEOUT_MS}ms`,
        ORDER_LEASE: '3s',
        ORDER_RECOVERY_INTERVAL: '1s',
        ORDER_RECONCILE_INTERVAL: '2s',
        ORDER_RECONCILE_GRACE: '5s',
      },
      timeoutMs: 240_000,
    });
    endpoints = readEndpoints(system.home, system.gatewayUrl);
    gateway = endpoints.gatewayUrl;
    const found = endpoints.processes.find((p) => p.name === 'postgres');
    if (found === undefined) throw new Error('the started system has no embedded postgres');
    postgres = found;
    // Closed before the crash: its idle connections would die with the server.
    const db = new BusinessDb(endpoints.businessDbUrl);
    await db.createSku(SKU, 100_000);
    await db.close();
    for (let i = 0; i < 4; i += 1) tokens.push(await login(gateway, `user-${20 + i}`));
  });

  afterAll(async () => {
    // Our PostgreSQL goes first, so the stop script's cleanup of the home directory never races it.
    await restarted?.stop(20_000);
    await stopAllProcesses();
    await system?.stop();
  });

  it('answers 202 pending with a Location when the gateway cannot wait, and the order completes later', async () => {
    const orderId = `money-${run}-pending`;
    // The gateway's answer is due before the charge comes back: the outcome is not known yet.
    expect((await sandbox('/v1/sandbox/faults', { delay_ms: String(GATEWAY_ORDER_TIMEOUT_MS * 2) })).ok).toBe(
      true,
    );
    try {
      const answer = await place(orderId, 0);
      expect(answer.status).toBe(202);
      expect(answer.location).toBe(`/orders/${orderId}`);
      const body = (await getJson(`${gateway}/orders/${orderId}`, tokens[0])).body;
      expect(body['status']).toBe('processing');
    } finally {
      await sandbox('/v1/sandbox/faults', { delay_ms: '0' });
    }
    expect(await finalOf(orderId, tokens[0]!)).toBe('completed');
  });

  it('leaves no order that did not complete with a standing charge after the database server is SIGKILLed under load', async () => {
    const placed: Promise<Placed>[] = [];
    const RATE = 20;
    const DURATION_MS = 14_000;
    const KILL_AT_MS = 3_000;
    const DOWN_FOR_MS = 7_000;
    let outage: { from: number; to: number } | undefined;
    const started = Date.now();
    const chaos = (async () => {
      await sleep(KILL_AT_MS);
      const pid = postmasterPid();
      process.kill(pid, 'SIGKILL');
      const from = Date.now();
      await sleep(DOWN_FOR_MS);
      await restartPostgres();
      outage = { from, to: Date.now() };
    })();
    for (let i = 0; Date.now() - started < DURATION_MS; i += 1) {
      placed.push(place(`money-${run}-${i}`, i % tokens.length));
      const next = started + ((i + 1) * 1000) / RATE;
      await sleep(Math.max(0, next - Date.now()));
    }
    await chaos;
    const answers = await Promise.all(placed);
    expect(outage).toBeDefined();
    const byStatus = new Map<string, number>();
    for (const a of answers) {
      const key = a.code === undefined ? String(a.status) : `${a.status} ${a.code}`;
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    }
    console.info(`answers by status and code: ${JSON.stringify(Object.fromEntries(byStatus))}`);

    // Honest answers: never a 500; a 503 says when to come back.
    expect(answers.filter((a) => a.status === 500).map((a) => `${a.orderId} 500 ${a.code ?? ''}`)).toEqual(
      [],
    );
    for (const a of answers.filter((x) => x.status === 503)) expect(a.retryAfter).toMatch(/^\d+$/);
    const duringOutage = answers.filter((a) => a.sentAt >= outage!.from + 500 && a.sentAt < outage!.to);
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.some((a) => a.status === 503)).toBe(true);

    // Every order settles (absent = never taken); an error answer never becomes a completed order.
    const finals = new Map<string, string>();
    for (const [index, a] of answers.entries()) {
      finals.set(a.orderId, await finalOf(a.orderId, tokens[index % tokens.length]!));
    }
    const liars = answers.filter(
      (a) => a.status !== 200 && a.status !== 202 && a.status !== 0 && finals.get(a.orderId) === 'completed',
    );
    expect(liars.map((a) => `${a.orderId} answered ${a.status} ${a.code ?? ''}`)).toEqual([]);
    for (const a of answers.filter((x) => x.status === 200)) expect(finals.get(a.orderId)).toBe('completed');

    // Money: the reconciliation pass refunds whatever a non-completed order still holds at the gateway.
    const violations = await waitFor(
      async () => {
        const charges = await chargesByOrder(endpoints.paymentUrl, finals.keys());
        const found = [...finals].flatMap(([orderId, final]) =>
          chargeViolations(orderId, final, charges.get(orderId) ?? [], 100),
        );
        return found.length === 0 ? found : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 2_000,
        description: 'no order with a standing charge it should not hold',
      },
    ).catch(async (error: unknown) => {
      const charges = await chargesByOrder(endpoints.paymentUrl, finals.keys());
      return [
        String(error),
        ...[...finals].flatMap(([orderId, final]) =>
          chargeViolations(orderId, final, charges.get(orderId) ?? [], 100),
        ),
      ];
    });
    expect(violations).toEqual([]);
    const completed = [...finals.values()].filter((f) => f === 'completed').length;
    expect(completed).toBeGreaterThan(0);
  });
});
