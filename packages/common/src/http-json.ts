import type { IncomingMessage, ServerResponse } from 'node:http';
import { MeshError } from './mesh-error.js';
import { httpStatusForCode } from './http-status.js';

/** The body of every HTTP error the project sends. */
export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; details?: unknown };
}

export interface ReadJsonOptions {
  /** Largest accepted body in bytes; larger bodies fail with PAYLOAD_TOO_LARGE. */
  limitBytes?: number;
}

const DEFAULT_LIMIT_BYTES = 1024 * 1024;

/** Reads the raw request body, enforcing a size limit without buffering past it. */
export function readBody(req: IncomingMessage, options: ReadJsonOptions = {}): Promise<Buffer> {
  const limit = options.limitBytes ?? DEFAULT_LIMIT_BYTES;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new MeshError('PAYLOAD_TOO_LARGE', `body exceeds ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        req.resume();
        reject(new MeshError('PAYLOAD_TOO_LARGE', `body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (!failed) {
        failed = true;
        reject(new MeshError('BAD_REQUEST', 'request body could not be read', { cause: error }));
      }
    });
  });
}

/** Reads and parses a JSON body; malformed JSON fails with BAD_REQUEST naming the parse problem. */
export async function readJsonBody(req: IncomingMessage, options: ReadJsonOptions = {}): Promise<unknown> {
  const raw = await readBody(req, options);
  if (raw.length === 0) throw new MeshError('BAD_REQUEST', 'request body is empty; expected JSON');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new MeshError('BAD_REQUEST', `malformed JSON: ${detail}`);
  }
}

/** Sends a JSON body with the right headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** Sends `{error: {code, message, requestId}}` with the status the code maps to (or the one given). */
export function sendError(
  res: ServerResponse,
  error: MeshError,
  requestId?: string,
  status: number = httpStatusForCode(error.code),
): void {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (requestId !== undefined) body.error.requestId = requestId;
  if (error.data?.['details'] !== undefined) body.error.details = error.data['details'];
  sendJson(res, status, body);
}
