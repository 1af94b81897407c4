// Fixture agent process: serves /ready on MCP_MESH_HTTP_PORT (after FAKE_READY_DELAY_MS), stops on SIGTERM.
import { createServer } from 'node:http';
const port = Number(process.env.MCP_MESH_HTTP_PORT);
const delay = Number(process.env.FAKE_READY_DELAY_MS ?? 0);
const started = Date.now();
if (process.env.FAKE_CRASH === '1') {
  console.error('fake agent: configured to crash');
  process.exit(3);
}
const server = createServer((req, res) => {
  const ready = Date.now() - started >= delay && process.env.FAKE_NEVER_READY !== '1';
  res.writeHead(req.url === '/ready' && !ready ? 503 : 200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      status: ready ? 'ready' : 'starting',
      port,
      env: { DATABASE_URL: process.env.DATABASE_URL ?? null, REGISTRY: process.env.MCP_MESH_REGISTRY_URL },
    }),
  );
});
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ msg: 'listening', port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
