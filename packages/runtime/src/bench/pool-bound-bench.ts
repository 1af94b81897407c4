// CPU per call of the runtime's MCP client against one mTLS provider in this one process, with the pool bound
// at 32 and at 256, bounds alternated: a figure that neighbours on a shared host distort far less than the
// multi-process runtime bench. Then what the per-call timer and abort listener cost.
//   node packages/runtime/dist/bench/pool-bound-bench.js [callers=32]
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestPki } from '@mesh/testkit';
import { authenticatePeer, loadTlsMaterial, pooledClientTlsOptions, serverTlsOptions } from '@mesh/trust';
import { McpHttpClient, poolOptions } from '../mcp-client.js';

const CALLERS = Number(process.argv[2] ?? 32);
const CALLS_PER_SAMPLE = 3000;
const SAMPLES = 6;
const BOUNDS = [32, 256] as const;

const pki = await createTestPki(['provider', 'consumer']);
const server = https.createServer(serverTlsOptions(loadTlsMaterial(pki.settings('provider'))), (req, res) => {
  authenticatePeer(req.socket);
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number };
    const body = JSON.stringify({ jsonrpc: '2.0', id, result: { structuredContent: { ok: true } } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
const consumer = loadTlsMaterial(pki.settings('consumer'));

function clientWith(bound: number): McpHttpClient {
  const agent = new https.Agent({ ...poolOptions(bound), ...pooledClientTlsOptions(consumer) });
  return new McpHttpClient(bound, { agentFor: () => agent, providerRefused: () => undefined });
}
const clients = new Map(BOUNDS.map((bound) => [bound, clientWith(bound)]));

/** µs of CPU per call (client and server together) for `calls` calls made by CALLERS callers. */
async function sample(bound: number, calls: number): Promise<number> {
  const client = clients.get(bound as (typeof BOUNDS)[number])!;
  let sent = 0;
  const before = process.cpuUsage();
  const caller = async (): Promise<void> => {
    while (sent < calls) {
      sent += 1;
      await client.callTool({
        endpoint,
        functionName: 'echo',
        args: { n: sent },
        timeoutMs: 10_000,
        headers: {},
        providerId: 'provider',
        capability: 'echo',
      });
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const bound of BOUNDS) await sample(bound, 1000); // warm-up: connections, JIT
const results = new Map<number, number[]>(BOUNDS.map((bound) => [bound, []]));
for (let round = 0; round < SAMPLES; round += 1) {
  const order = round % 2 === 0 ? BOUNDS : [...BOUNDS].reverse();
  for (const bound of order) results.get(bound)!.push(await sample(bound, CALLS_PER_SAMPLE));
}
for (const [bound, values] of results)
  process.stdout.write(
    `bound ${bound}, ${CALLERS} callers: ${median(values).toFixed(1)} µs CPU per call (median of ${SAMPLES}: ${values.map((v) => v.toFixed(0)).join(', ')})\n`,
  );
for (const client of clients.values()) client.close();
server.closeAllConnections();
server.close();
pki.remove();

// What callTool arms and clears per call besides the request.
const N = 200_000;
const perCall = (work: () => void): number => {
  work();
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
};
const timers = perCall(() => {
  for (let i = 0; i < N; i += 1) clearTimeout(setTimeout(() => undefined, 30_000));
});
const signal = new AbortController().signal;
const listeners = perCall(() => {
  for (let i = 0; i < N; i += 1) {
    const onAbort = (): void => undefined;
    signal.addEventListener('abort', onAbort, { once: true });
    signal.removeEventListener('abort', onAbort);
  }
});
process.stdout.write(
  `per call: timer armed and cleared ${timers.toFixed(2)} µs, abort listener added and removed ${listeners.toFixed(2)} µs\n`,
);
