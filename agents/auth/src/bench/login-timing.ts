// Measures how long a failed login takes for a demo account, an account hashed at the default cost and an
// unknown username, through the auth service with in-memory stores (no network). If the three medians differ,
// login time tells which usernames exist. Usage: node agents/auth/dist/bench/login-timing.js [rounds]
import { MemorySharedStore } from '@mesh/backends';
import { createAuthService } from '../auth-service.js';
import { MemoryCredentialStore } from '../credential-store.js';
import { DEMO_PASSWORD } from '../demo-seed.js';
import { createLoginLimiter } from '../login-limiter.js';
import { DEMO_SCRYPT_PARAMS, hashPassword } from '../password-hash.js';
import { memoryTokens } from '../memory-tokens.js';

const rounds = Number(process.argv[2] ?? 40);
const state = new MemorySharedStore({ prefix: 'bench:' });
const credentials = new MemoryCredentialStore();
await credentials.insert({
  userId: 'user-1',
  username: 'user-1',
  scopes: ['orders:write'],
  passwordHash: await hashPassword(DEMO_PASSWORD, DEMO_SCRYPT_PARAMS),
});
const auth = createAuthService({
  credentials,
  ...memoryTokens({ ttlSeconds: 60, revocations: state }),
  // Thresholds no measurement reaches, so the throttle never slows it down.
  limiter: createLoginLimiter({
    state,
    free: { pair: 1e9, address: 1e9, username: 1e9 },
    baseDelayMs: 1,
    maxDelayMs: 1,
    windowMs: 60_000,
    knownAddressMs: 60_000,
  }),
});
await auth.registerCredentials({ user_id: 'real', username: 'real-user', password: 'a real password' });

async function median(username: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    await auth.login({ username, password: 'wrong password' }).catch(() => undefined);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return Math.round((times[Math.floor(times.length / 2)] ?? 0) * 10) / 10;
}

await median('warm-up');
const report = {
  rounds,
  demo_account_ms: await median('user-1'),
  default_cost_account_ms: await median('real-user'),
  unknown_user_ms: await median('no-such-user'),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
