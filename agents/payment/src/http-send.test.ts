import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpSender } from './http-send.js';

const OK =
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\n{"ok":true}';

/**
 * A gateway whose connections each answer one request and then hang up on the next one without answering,
 * as a server does when it closes an idle keep-alive connection just as the client reuses it.
 */
async function hangUpOnReuse(): Promise<{ url: URL; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    let answered = false;
    socket.on('data', () => {
      if (answered) socket.destroy();
      else {
        answered = true;
        socket.write(OK);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/v1/charges`),
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
      }),
  };
}

describe('HttpSender', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
  });

  it('sends again on a fresh connection when a reused one was closed by the server', async () => {
    const gateway = await hangUpOnReuse();
    const sender = new HttpSender();
    stop = async () => {
      sender.close();
      await gateway.close();
    };
    const request = { method: 'POST', url: gateway.url, headers: {}, body: 'a=1' };
    const first = await sender.send({ ...request, signal: new AbortController().signal });
    const second = await sender.send({ ...request, signal: new AbortController().signal });
    expect([first, second]).toEqual([
      { status: 200, text: '{"ok":true}' },
      { status: 200, text: '{"ok":true}' },
    ]);
    expect(gateway.connections()).toBe(2);
  });

  it('rejects with the signal reason when aborted, without retrying', async () => {
    const gateway = await hangUpOnReuse();
    const sender = new HttpSender();
    stop = async () => {
      sender.close();
      await gateway.close();
    };
    const controller = new AbortController();
    controller.abort(new Error('deadline passed'));
    await expect(
      sender.send({ method: 'GET', url: gateway.url, headers: {}, signal: controller.signal }),
    ).rejects.toThrow('deadline passed');
    expect(gateway.connections()).toBe(0);
  });
});
