// One minimal order endpoint, `node dist/bench/floor-server.js <kind>`: the same handler (read the JSON body,
// answer with writeHead and end) served by bare node:http (`node`), node:http with the per-request prototype
// swap express's app makes (`prototype`), express.Router() alone (`router`) or an express app (`app`). What
// separates two kinds is the cost of that layer alone. Prints `LISTENING <port>`.
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { readJsonBody, sendJson } from '@mesh/common';

const answer: RequestListener = (req, res) => {
  readJsonBody(req).then(
    (body) =>
      sendJson(res, 200, { status: 'completed', order_id: (body as { order_id?: unknown }).order_id }),
    () => sendJson(res, 400, { error: { code: 'BAD_REQUEST' } }),
  );
};

function notFound(res: ServerResponse): void {
  sendJson(res, 404, { error: { code: 'NOT_FOUND' } });
}

const kinds: Record<string, () => RequestListener> = {
  node: () => answer,
  prototype: () => {
    // What express's app.handle does to every request before routing it.
    const request = Object.create(IncomingMessage.prototype) as object;
    const response = Object.create(ServerResponse.prototype) as object;
    return (req, res) => {
      Object.setPrototypeOf(req, request);
      Object.setPrototypeOf(res, response);
      answer(req, res);
    };
  },
  router: () => {
    const router = express.Router();
    router.post('/orders', (req, res) => answer(req, res));
    return (req, res) => router(req as express.Request, res as express.Response, () => notFound(res));
  },
  app: () => {
    const app = express();
    app.post('/orders', (req, res) => answer(req, res));
    return app;
  },
};

const make = kinds[process.argv[2] ?? ''];
if (make === undefined) {
  process.stderr.write(`usage: floor-server.js ${Object.keys(kinds).join('|')}\n`);
  process.exit(2);
}
const server = createServer(make());
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
