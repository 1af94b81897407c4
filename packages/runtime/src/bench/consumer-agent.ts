// System (c)'s consumer agent, in a process of its own so that its RSS is measured apart from the bench's.
// It resolves the echo provider through the registry (MCP_MESH_* env) and runs each slice of load the bench
// asks for over IPC, so the calls are made, and timed, inside the consumer agent process itself.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseEnvConfig, silentLogger } from '@mesh/common';
import { defineAgent, meshEnvSchema, runAgent, toMeshConfig, z } from '../index.js';
import type { CapabilityContract } from '../index.js';
import { measureLatency, measureThroughput } from './load.js';
import type { CallFn } from './load.js';
import { BENCH_CONSUMER } from './bench-names.js';
import type { ConsumerCommand, ConsumerMessage } from './consumer-process.js';

const send = (message: ConsumerMessage): void => {
  process.send?.(message);
};

/**
 * Connections this process opened, and of the TLS ones how many resumed a session (an abbreviated
 * handshake): keep-alive pools should keep both near the pool size, whatever the number of calls.
 */
const connections = { opened: 0, tlsFull: 0, tlsResumed: 0 };
for (const proto of [http.Agent.prototype, https.Agent.prototype] as { createConnection: unknown }[]) {
  const original = proto.createConnection as (...args: unknown[]) => Socket;
  proto.createConnection = function (this: unknown, ...args: unknown[]) {
    connections.opened += 1;
    const socket = original.apply(this, args);
    socket.once('secureConnect', () => {
      if ((socket as TLSSocket).isSessionReused()) connections.tlsResumed += 1;
      else connections.tlsFull += 1;
    });
    return socket;
  };
}

/**
 * System cv: the same dependency declared with a contract, so every result is checked against its output.
 * Not idempotent, as the plain declaration, so the two differ only by the check.
 */
const echoContract = {
  capability: 'echo',
  version: '1.0.0',
  input: z.object({ n: z.number().int() }),
  output: z.object({ n: z.number().int(), agent: z.string() }),
  idempotent: false,
} satisfies CapabilityContract;

const agent = defineAgent({ name: BENCH_CONSUMER });
const checked = process.env['BENCH_CONTRACT'] === '1';
const deps = checked
  ? agent.consumer({ echo: { contract: echoContract } })
  : agent.consumer({ echo: 'echo' });
await runAgent(agent, {
  app: undefined,
  mesh: toMeshConfig(parseEnvConfig(meshEnvSchema, process.env, 'bench-consumer')),
  logger: silentLogger(),
});
const call: CallFn = (n) => deps.echo.call({ n });

process.on('message', (command: ConsumerCommand) => {
  // The bench collects its own heap before each slice; this process does the same for its own.
  (globalThis as { gc?: () => void }).gc?.();
  const run =
    command.kind === 'latency'
      ? measureLatency(call, command.rate, command.durationMs)
      : measureThroughput(call, command.concurrency, command.durationMs);
  run.then(
    (result) => send({ id: command.id, result, connections: { ...connections } }),
    (error: unknown) => send({ id: command.id, error: String(error) }),
  );
});
// No IPC channel means no bench to serve: stop (runAgent's SIGTERM path deregisters and exits 0).
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
send(
  deps.echo.available
    ? { ready: true }
    : { ready: false, error: 'the consumer did not resolve the provider' },
);
