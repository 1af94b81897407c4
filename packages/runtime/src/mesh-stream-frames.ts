import { MeshError } from '@mesh/common';

/**
 * The frames of a mesh stream: an `/mcp` connection that one runtime upgraded (`Upgrade: mesh-mcp/1`) to
 * carry many `tools/call`s at once, each a frame rather than an HTTP request. Every frame is
 *
 *     u32 length of what follows | u8 kind | u32 call id | body
 *
 * in network byte order. Kinds and bodies:
 * - `CALL` (client → provider): UTF-8 JSON `{"h": {headers}, "m": {JSON-RPC request}}`; the headers are those
 *   an HTTP call would carry (`traceparent`, `x-mesh-deadline`, …);
 * - `ANSWER` (provider → client): u16 HTTP-equivalent status, then the JSON-RPC response as UTF-8;
 * - `CANCEL` (client → provider): the caller gave up on the call (its deadline passed or it was aborted), so
 *   the handler's abort signal fires as when an HTTP caller goes away; no body;
 * - `GOAWAY` (provider → client): the provider is shutting down; the client sends nothing new on this
 *   stream and closes it once its calls are answered. No body; the call id is 0.
 */
export const MESH_STREAM_PROTOCOL = 'mesh-mcp/1';

/**
 * The registry kwarg by which a provider's tools say it accepts mesh streams (its value: the protocol). Callers
 * upgrade only to providers that say so: other MCP servers (an official MCP Mesh agent) are called over HTTP
 * without a probe.
 */
export const MESH_STREAM_KWARG = 'mesh_stream';

export const FrameKind = { CALL: 1, ANSWER: 2, CANCEL: 3, GOAWAY: 4 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Length prefix + kind + call id. */
const HEADER_BYTES = 9;

/** The largest frame either side accepts: an HTTP `/mcp` body may be 4 MiB; a little more for the headers. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024 + 64 * 1024;

/** One frame as read: `body` is a view into the received bytes (copy it to keep it past the callback). */
export interface Frame {
  kind: number;
  id: number;
  body: Buffer;
}

export function encodeFrame(kind: FrameKind, id: number, text?: string, status?: number): Buffer {
  const prefix = status === undefined ? 0 : 2;
  const textBytes = text === undefined ? 0 : Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + prefix + textBytes);
  frame.writeUInt32BE(frame.length - 4, 0);
  frame.writeUInt8(kind, 4);
  frame.writeUInt32BE(id, 5);
  if (status !== undefined) frame.writeUInt16BE(status, HEADER_BYTES);
  if (text !== undefined) frame.write(text, HEADER_BYTES + prefix, 'utf8');
  return frame;
}

/** An ANSWER frame's status and JSON-RPC text. */
export function decodeAnswer(body: Buffer): { status: number; text: string } {
  if (body.length < 2) throw protocolError('an answer frame without its status');
  return { status: body.readUInt16BE(0), text: body.toString('utf8', 2) };
}

/**
 * Splits received bytes into frames, whatever their chunking: a frame may span chunks, and a chunk may hold
 * many frames. A frame larger than MAX_FRAME_BYTES, or shorter than its header, is a protocol error: the
 * stream cannot be read past it, so its connection must close.
 */
export class FrameReader {
  private pending: Buffer | undefined;

  /** Calls `onFrame` for each whole frame in `chunk` (and what came before it). */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    let data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32BE(at);
      if (length < HEADER_BYTES - 4)
        throw protocolError(`a frame of ${length} bytes is shorter than its header`);
      if (length > MAX_FRAME_BYTES)
        throw protocolError(`a frame of ${length} bytes is larger than the ${MAX_FRAME_BYTES} allowed`);
      const end = at + 4 + length;
      if (end > data.length) break;
      onFrame({
        kind: data.readUInt8(at + 4),
        id: data.readUInt32BE(at + 5),
        body: data.subarray(at + HEADER_BYTES, end),
      });
      at = end;
    }
    if (at < data.length) {
      // Kept as a copy: `data` may be a chunk the socket reuses.
      data = data.subarray(at);
      this.pending = Buffer.from(data);
    }
  }
}

/**
 * Frames queued in one turn of the event loop go out in one write (either end of a stream), at the end of the
 * turn (`setImmediate`): a busy process reads several replies in one poll, each handled in a callback of its
 * own, and flushing per tick (`process.nextTick`) made each answer a TLS record and a system call of its own.
 */
export class FrameOutbox {
  private frames: Buffer[] = [];
  private scheduled = false;

  constructor(private readonly write: (bytes: Buffer) => void) {}

  push(frame: Buffer): void {
    this.frames.push(frame);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const frames = this.frames;
    this.frames = [];
    this.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }
}

export function protocolError(what: string): MeshError {
  return new MeshError('PROTOCOL_ERROR', `mesh stream: ${what}`, {
    data: { protocol: MESH_STREAM_PROTOCOL },
  });
}
