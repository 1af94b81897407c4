// What every k6 script of this folder does before its load: the gateway is healthy, the catalogue's prices
// (the server owns them: a total sent must match), one token per demo user, a run id that makes reruns new.
import http from 'k6/http';
import { fail } from 'k6';

/** Fails the run when the gateway does not answer its health probe. */
export function requireHealthy(baseUrl) {
  const health = http.get(`${baseUrl}/health`, { tags: { name: 'setup' } });
  if (health.status !== 200) fail(`gateway not healthy at ${baseUrl}/health: HTTP ${health.status}`);
}

/** The catalogue price of every SKU in cents, read page by page from GET /products; each of `skus` must be there. */
export function catalogueCents(baseUrl, skus) {
  const cents = {};
  let offset = 0;
  for (let page = 0; page < 50 && offset !== null; page += 1) {
    const response = http.get(`${baseUrl}/products?limit=100&offset=${offset}`, { tags: { name: 'setup' } });
    if (response.status !== 200) fail(`GET /products failed: HTTP ${response.status}`);
    for (const product of response.json('products')) cents[product.sku] = Math.round(product.price * 100);
    offset = response.json('next_offset');
  }
  for (const sku of skus) if (cents[sku] === undefined) fail(`SKU ${sku} is not in the catalogue`);
  return cents;
}

// TOKENS_FILE: `[{user, token}, ...]` of users already logged in (scripts/bench-orders.mjs logs them in before
// it starts counting CPU, so the logins' password hashing is not charged to the orders). Read at init, as k6
// allows files to be opened only then.
const GIVEN_TOKENS = __ENV.TOKENS_FILE ? JSON.parse(open(__ENV.TOKENS_FILE)) : undefined;

/**
 * Logs in `users` demo users (user-0..), ten at a time; one `{user, token}` per user, in order. With
 * TOKENS_FILE, the first `users` of its tokens instead.
 */
export function loginUsers(baseUrl, users, password) {
  if (GIVEN_TOKENS !== undefined) {
    if (!Array.isArray(GIVEN_TOKENS) || GIVEN_TOKENS.length < users)
      fail(`TOKENS_FILE holds ${GIVEN_TOKENS.length ?? 'no list of'} tokens; ${users} users are needed`);
    return GIVEN_TOKENS.slice(0, users);
  }
  const tokens = [];
  const batchSize = 10;
  for (let start = 0; start < users; start += batchSize) {
    const requests = [];
    for (let i = start; i < Math.min(users, start + batchSize); i += 1) {
      requests.push({
        method: 'POST',
        url: `${baseUrl}/auth/login`,
        body: JSON.stringify({ username: `user-${i}`, password }),
        params: { headers: { 'content-type': 'application/json' }, tags: { name: 'login' } },
      });
    }
    for (const [offset, response] of http.batch(requests).entries()) {
      if (response.status !== 200) fail(`login of user-${start + offset} failed: HTTP ${response.status}`);
      tokens.push({ user: `user-${start + offset}`, token: response.json('access_token') });
    }
  }
  return tokens;
}

/** RUN_ID when given, else one from the clock and chance, so a rerun never replays an earlier run's ids. */
export function runIdOf(given, prefix) {
  if (given !== undefined && given !== '') return given;
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
