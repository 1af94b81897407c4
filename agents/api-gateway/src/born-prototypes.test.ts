import { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { bornWith } from './born-prototypes.js';
import { listen, type ListeningServer } from './server.js';

const servers: ListeningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('requests born with the app prototypes', () => {
  it("makes requests and responses on the app's prototypes, which express then keeps", async () => {
    const app = express();
    const seen: { request: boolean; response: boolean }[] = [];
    app.use((req, res, next) => {
      seen.push({
        request: Object.getPrototypeOf(req) === app.request,
        response: Object.getPrototypeOf(res) === app.response,
      });
      next();
    });
    app.get('/hello', (req, res) => {
      res.locals['x'] = 1;
      res.status(201).json({ path: req.path, agent: req.get('x-test') ?? null });
    });
    const server = await listen(app, 0, '127.0.0.1', 5_000);
    servers.push(server);
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${server.url}/hello`, { headers: { 'x-test': 'yes' } });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ path: '/hello', agent: 'yes' });
    }
    expect(seen).toEqual([
      { request: true, response: true },
      { request: true, response: true },
    ]);
  });

  it("builds node's objects: streams, headers and sockets work as on a plain server", () => {
    const app = express();
    const born = bornWith({ request: app.request, response: app.response });
    expect(born).toBeDefined();
    const req = new born!.IncomingMessage(null as never);
    const res = new born!.ServerResponse(req);
    expect(req).toBeInstanceOf(IncomingMessage);
    expect(res).toBeInstanceOf(ServerResponse);
    expect(Object.getPrototypeOf(req)).toBe(app.request);
    expect(Object.getPrototypeOf(res)).toBe(app.response);
    res.setHeader('x-a', '1');
    expect(res.getHeader('x-a')).toBe('1');
  });

  it('leaves a server that is not an express app with node defaults', () => {
    expect(bornWith({ request: {}, response: {} })).toBeUndefined();
  });
});
