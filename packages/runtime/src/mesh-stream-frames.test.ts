import { describe, expect, it } from 'vitest';
import {
  FrameKind,
  FrameOutbox,
  FrameReader,
  MAX_FRAME_BYTES,
  decodeAnswer,
  encodeFrame,
} from './mesh-stream-frames.js';
import type { Frame } from './mesh-stream-frames.js';

function readAll(reader: FrameReader, chunks: Buffer[]): { kind: number; id: number; text: string }[] {
  const frames: { kind: number; id: number; text: string }[] = [];
  const collect = (frame: Frame): void => {
    frames.push({ kind: frame.kind, id: frame.id, text: frame.body.toString('utf8') });
  };
  for (const chunk of chunks) reader.push(chunk, collect);
  return frames;
}

describe('mesh stream frames', () => {
  const call = encodeFrame(FrameKind.CALL, 7, '{"h":{},"m":{"é":"ü"}}');
  const cancel = encodeFrame(FrameKind.CANCEL, 8);

  it('reads many frames from one chunk, and a frame split anywhere across chunks', () => {
    const both = Buffer.concat([call, cancel]);
    expect(readAll(new FrameReader(), [both])).toEqual([
      { kind: FrameKind.CALL, id: 7, text: '{"h":{},"m":{"é":"ü"}}' },
      { kind: FrameKind.CANCEL, id: 8, text: '' },
    ]);
    for (let cut = 1; cut < both.length; cut += 1) {
      const frames = readAll(new FrameReader(), [both.subarray(0, cut), both.subarray(cut)]);
      expect(frames.map((frame) => frame.id)).toEqual([7, 8]);
    }
    const byteByByte = [...both].map((byte) => Buffer.from([byte]));
    expect(readAll(new FrameReader(), byteByByte).map((frame) => frame.id)).toEqual([7, 8]);
  });

  it('carries an answer status beside its JSON-RPC text', () => {
    const [frame] = readAll(new FrameReader(), [encodeFrame(FrameKind.ANSWER, 3, '{"ok":"ß"}', 503)]);
    expect(frame?.kind).toBe(FrameKind.ANSWER);
    const frames: Frame[] = [];
    new FrameReader().push(encodeFrame(FrameKind.ANSWER, 3, '{"ok":"ß"}', 503), (read) => frames.push(read));
    expect(decodeAnswer(frames[0]!.body)).toEqual({ status: 503, text: '{"ok":"ß"}' });
  });

  it('refuses a frame longer than the limit or shorter than its header, before reading its body', () => {
    const huge = Buffer.alloc(9);
    huge.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    expect(() => readAll(new FrameReader(), [huge])).toThrow(/larger than/);
    const short = Buffer.alloc(9);
    short.writeUInt32BE(2, 0);
    expect(() => readAll(new FrameReader(), [short])).toThrow(/shorter than its header/);
  });

  it('sends the frames of one turn of the event loop in one write, even from separate callbacks', async () => {
    const writes: Buffer[] = [];
    const outbox = new FrameOutbox((bytes) => writes.push(bytes));
    // Answers come from separate callbacks of one loop turn (here two timers due together, as several
    // database replies read in one poll): each would be a TLS record and a system call of its own.
    await new Promise<void>((resolve) => {
      setTimeout(() => outbox.push(call), 1);
      setTimeout(() => {
        outbox.push(cancel);
        resolve();
      }, 1);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([Buffer.concat([call, cancel])]);
    outbox.push(cancel);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
  });
});
