import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type StartedSystem } from './system/harness.js';

interface LoginAnswer {
  status: number;
  retryAfter: string | null;
  ms: number;
}

/**
 * POST /auth/login as a client at `address`: the local gateway trusts loopback as its proxy (TRUSTED_PROXIES),
 * so X-Forwarded-For names the client as nginx would.
 */
async function loginFrom(gatewayUrl: string, address: string, username: string, password: string) {
  const started = performance.now();
  const response = await fetch(`${gatewayUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  const answer: LoginAnswer = {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    ms: performance.now() - started,
  };
  return answer;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
}

/** The login findings, through the one-command local start and its gateway. */
describe('login throttling through the gateway (local processes, embedded defaults)', () => {
  let system: StartedSystem;

  beforeAll(async () => {
    system = await startSystem();
  });

  afterAll(async () => {
    await system?.stop();
  });

  it("does not lock a user out because of another client's failed logins", async () => {
    const attacker = '203.0.113.9';
    const answers: LoginAnswer[] = [];
    for (let i = 0; i < 8; i += 1) {
      answers.push(await loginFrom(system.gatewayUrl, attacker, 'user-3', `guess-${i}`));
    }
    // Five wrong passwords are answered 401; then the attacker's address waits, told how long.
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expect(answers.slice(5).map((a) => a.status)).toEqual([429, 429, 429]);
    expect(Number(answers[7]!.retryAfter)).toBeGreaterThanOrEqual(1);
    // The right password from the attacker's address waits too: it might be the attacker's lucky guess.
    expect((await loginFrom(system.gatewayUrl, attacker, 'user-3', 'demo')).status).toBe(429);
    // The owner, elsewhere, logs in at once.
    expect((await loginFrom(system.gatewayUrl, '198.51.100.7', 'user-3', 'demo')).status).toBe(200);
  });

  it('takes as long for an unknown username as for a demo account', async () => {
    const demo: number[] = [];
    const unknown: number[] = [];
    // A fresh address per attempt, so the throttle never answers before the password check.
    for (let i = 0; i < 9; i += 1) {
      demo.push((await loginFrom(system.gatewayUrl, `198.18.0.${i + 1}`, `user-${10 + i}`, 'wrong-pw')).ms);
      unknown.push((await loginFrom(system.gatewayUrl, `198.18.1.${i + 1}`, `nobody-${i}`, 'wrong-pw')).ms);
    }
    const figures = { demo_account_ms: median(demo), unknown_user_ms: median(unknown) };
    process.stdout.write(`failed login through the gateway: ${JSON.stringify(figures)}\n`);
    // Before, a demo account answered in a third of an unknown name's time (68 ms against 207 ms).
    expect(figures.demo_account_ms).toBeGreaterThan(figures.unknown_user_ms * 0.6);
  });

  it('keeps logs and state private, with no database password in any log', () => {
    expect(statSync(join(system.home, 'state.json')).mode & 0o777).toBe(0o600);
    const logs = join(system.home, 'logs');
    for (const name of readdirSync(logs)) {
      const file = join(logs, name);
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/postgres:\/\/[^:\s/]*:(?!\*\*\*@)[^@\s/]+@/);
    }
  });
});
