import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loginDemoUsers, writeTokensFile } from './bench-logins.mjs';

/** A gateway stand-in answering /auth/login: a token per user, 401 for `refused`. */
async function fakeGateway(refused = '') {
  const seen = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const { username, password } = JSON.parse(body);
      seen.push(username);
      const ok = req.url === '/auth/login' && password === 'demo' && username !== refused;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { access_token: `t-${username}` } : { error: { code: 'UNAUTHORIZED' } }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${server.address().port}`, seen };
}

const servers = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('bench logins', () => {
  it('logs in user-0.. in order, one token each, and writes them where k6 reads them', async () => {
    const gateway = await fakeGateway();
    const tokens = await loginDemoUsers(gateway.url, 12);
    expect(tokens.map((t) => t.user)).toEqual(Array.from({ length: 12 }, (_, i) => `user-${i}`));
    expect(tokens[11]).toEqual({ user: 'user-11', token: 't-user-11' });
    expect(JSON.parse(readFileSync(writeTokensFile(tokens), 'utf8'))).toEqual(tokens);
  });

  it('names the user and the status when a login is refused', async () => {
    const gateway = await fakeGateway('user-3');
    await expect(loginDemoUsers(gateway.url, 5)).rejects.toThrow(/login of user-3 failed: HTTP 401/);
  });
});
