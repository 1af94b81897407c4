import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * A minimal WebSocket client (RFC 6455: text frames, masking, fragmentation, close) for the DevTools protocol
 * of a local Chromium. Node 20 has no WebSocket without a flag, and one local peer needs no more than this.
 */
export class WebSocketClient {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly onText: (text: string) => void,
    private readonly onClose: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
  }

  /** Opens `ws://…`; rejects when the upgrade is refused or takes longer than `timeoutMs`. */
  static connect(
    url: string,
    onText: (text: string) => void,
    onClose: () => void,
    timeoutMs = 10_000,
  ): Promise<WebSocketClient> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const request = http.request({
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
        },
        timeout: timeoutMs,
      });
      request.on('upgrade', (_response, socket, head) => {
        const client = new WebSocketClient(socket, onText, onClose);
        if (head.length > 0) client.receive(head);
        resolve(client);
      });
      request.on('response', (response) =>
        reject(new Error(`${url}: no upgrade (HTTP ${response.statusCode})`)),
      );
      request.on('timeout', () => request.destroy(new Error(`${url}: no upgrade within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end();
    });
  }

  send(text: string): void {
    const payload = Buffer.from(text, 'utf8');
    const length = payload.length;
    const header =
      length < 126
        ? Buffer.from([0x81, 0x80 | length])
        : length < 65_536
          ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
          : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigLength(length)]);
    const mask = randomBytes(4);
    for (let i = 0; i < length; i += 1) payload[i] = payload[i]! ^ mask[i % 4]!;
    this.socket.write(Buffer.concat([header, mask, payload]));
  }

  close(): void {
    if (!this.closed) this.socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
    this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const first = this.buffer[0]!;
      const second = this.buffer[1]!;
      let length = second & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (second & 0x80) !== 0;
      const start = offset + (masked ? 4 : 0);
      if (this.buffer.length < start + length) return;
      const payload = Buffer.from(this.buffer.subarray(start, start + length));
      if (masked)
        for (let i = 0; i < length; i += 1) payload[i] = payload[i]! ^ this.buffer[offset + (i % 4)]!;
      this.buffer = this.buffer.subarray(start + length);
      const opcode = first & 0x0f;
      if (opcode === 0x8) {
        this.close();
        return;
      }
      if (opcode === 0x9) {
        this.socket.write(
          Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length]), Buffer.alloc(4), payload]),
        );
        continue;
      }
      if (opcode === 0x1 || opcode === 0x0) {
        this.fragments.push(payload);
        if ((first & 0x80) !== 0) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.onText(text);
        }
      }
    }
  }
}

function bigLength(length: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(length));
  return bytes;
}
