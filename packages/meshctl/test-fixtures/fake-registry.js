// Fixture registry process: GET /health and an empty GET /agents on MCP_MESH_REGISTRY_PORT.
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    req.url === '/agents' ? JSON.stringify({ agents: [], count: 0 }) : JSON.stringify({ status: 'healthy' }),
  );
});
server.listen(Number(process.env.MCP_MESH_REGISTRY_PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
