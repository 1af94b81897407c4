// Baseline (a): the least a JSON-RPC tools/call server on node:http can do; with TLS_CERT, TLS_KEY and TLS_CA
// set, the same over node:https with a client certificate asked for (what Node's TLS alone costs a call).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

const handler: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      id: number;
      params: { arguments: Record<string, unknown> };
    };
    const value = message.params.arguments;
    const payload = JSON.stringify({
      jsonrpc: '2.0',
      id: message.id,
      result: { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  });
};
const [cert, key, ca] = ['TLS_CERT', 'TLS_KEY', 'TLS_CA'].map((name) => process.env[name]);
const server =
  cert && key && ca
    ? https.createServer(
        {
          cert: readFileSync(cert),
          key: readFileSync(key),
          ca: readFileSync(ca),
          requestCert: true,
          rejectUnauthorized: true,
        },
        handler,
      )
    : http.createServer(handler);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
