// The demo users a bench phase places orders as, logged in by the bench itself before it starts counting CPU:
// a login hashes a password (scrypt in the auth agent), which is not part of placing an order, and at 100
// users it cost more auth CPU than a whole 30 s phase of orders at a low rate.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BATCH = 10;
const TIMEOUT_MS = 30_000;

/** One login through the gateway; throws with the status and body when it is refused. */
async function login(baseUrl, username, password) {
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`login of ${username} failed: HTTP ${response.status} ${text.slice(0, 200)}`);
  const token = JSON.parse(text).access_token;
  if (typeof token !== 'string') throw new Error(`login of ${username} answered no access_token`);
  return { user: username, token };
}

/** Logs in user-0..user-(users-1), ten at a time, and answers `{user, token}` for each, in order. */
export async function loginDemoUsers(baseUrl, users, password = 'demo') {
  const tokens = [];
  for (let start = 0; start < users; start += BATCH) {
    const names = [];
    for (let i = start; i < Math.min(users, start + BATCH); i += 1) names.push(`user-${i}`);
    tokens.push(...(await Promise.all(names.map((name) => login(baseUrl, name, password)))));
  }
  return tokens;
}

/** Writes `tokens` where k6 can read them (TOKENS_FILE) and answers the file's path. */
export function writeTokensFile(tokens) {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-tokens-')), 'tokens.json');
  writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
  return file;
}
