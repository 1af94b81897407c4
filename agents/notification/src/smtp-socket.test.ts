import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectWithoutDelay, type SmtpSocketOptions } from './smtp-socket.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((done) => server.close(done));
});

async function listening(): Promise<number> {
  const server = createServer((socket) => socket.end('220 ready\r\n'));
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

function connectOnce(port: number, timeoutMs = 2_000) {
  return new Promise<{ calls: number; options: SmtpSocketOptions | false }>((resolve) => {
    let calls = 0;
    connectWithoutDelay('127.0.0.1', port, timeoutMs, (_error, options) => {
      calls += 1;
      // Report after a moment, so a second call would be counted.
      setTimeout(() => resolve({ calls, options }), 50);
    });
  });
}

describe('connectWithoutDelay', () => {
  it('hands nodemailer an open connection to the server', async () => {
    const port = await listening();
    const { calls, options } = await connectOnce(port);
    expect(calls).toBe(1);
    expect(options && options.connection.remotePort).toBe(port);
    if (options) options.connection.destroy();
  });

  it('answers a refused connection once with no socket, so nodemailer connects and reports it itself', async () => {
    const port = await listening();
    await new Promise((done) => servers.pop()!.close(done));
    const { calls, options } = await connectOnce(port);
    expect(calls).toBe(1);
    expect(options).toBe(false);
  });
});
