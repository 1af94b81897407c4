import http from 'node:http';
import express from 'express';
const kind = process.argv[2];
const raw = (req, res) => { let b=''; req.on('data', c => b += c); req.on('end', () => { const o = JSON.parse(b); const p = JSON.stringify({ status: 'completed', order_id: o.order_id }); res.writeHead(200, {'content-type':'application/json','content-length':Buffer.byteLength(p)}); res.end(p); }); };
const noop = (req, res, next) => next();
let handler;
if (kind === 'node') handler = raw;
else if (kind === 'proto') { const rq = Object.create(http.IncomingMessage.prototype); const rs = Object.create(http.ServerResponse.prototype); handler = (req, res) => { Object.setPrototypeOf(req, rq); Object.setPrototypeOf(res, rs); raw(req, res); }; }
else if (kind === 'router') { const { default: Router } = await import('/work/wt/gateway/node_modules/.pnpm/router@2.3.0/node_modules/router/index.js'); const r = new Router(); r.post('/orders', raw); handler = (req, res) => r.handle(req, res, () => { res.statusCode = 404; res.end(); }); }
else {
  const app = express(); app.set('etag', false);
  if (kind === 'express1') app.post('/orders', raw);
  if (kind === 'express10') { app.use(noop); const r = express.Router(); for (let i = 0; i < 5; i++) r.get('/x' + i, noop); r.route('/orders').post(noop, noop, noop, noop, raw).all(noop); app.use(r); }
  if (kind === 'expressjson') app.post('/orders', express.json(), (req, res) => { const p = JSON.stringify({ status: 'completed', order_id: req.body.order_id }); res.writeHead(200, {'content-type':'application/json','content-length':Buffer.byteLength(p)}); res.end(p); });
  if (kind === 'expressresjson') app.post('/orders', (req, res) => { let b=''; req.on('data', c => b += c); req.on('end', () => { const o = JSON.parse(b); res.status(200).json({ status: 'completed', order_id: o.order_id }); }); });
  handler = app;
}
const s = http.createServer(handler).listen(0, '127.0.0.1', () => console.log('LISTENING ' + s.address().port));
