import express from 'express';
import type { RequestHandler } from 'express';
import { MeshError } from '@mesh/common';

/** What body-parser attaches to the errors it raises. */
interface BodyParserError {
  type?: unknown;
  message?: unknown;
}

/**
 * body-parser's errors as the gateway's own codes (the error handler turns them into the one error body):
 * malformed JSON 400 with the parser's reason, a body over the limit 413, an encoding or charset it cannot
 * read 415. Anything else reading the body failed is the client's connection: 400.
 */
function bodyError(raw: unknown, limitBytes: number): MeshError {
  const { type, message } = (typeof raw === 'object' && raw !== null ? raw : {}) as BodyParserError;
  const detail = typeof message === 'string' ? message : String(raw);
  switch (type) {
    case 'entity.parse.failed':
      return new MeshError('BAD_REQUEST', `malformed JSON: ${detail}`);
    case 'entity.too.large':
      return new MeshError('PAYLOAD_TOO_LARGE', `body exceeds ${limitBytes} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new MeshError('UNSUPPORTED_MEDIA_TYPE', `${detail}; send uncompressed UTF-8 JSON`);
    default:
      return new MeshError('BAD_REQUEST', 'request body could not be read', { cause: raw });
  }
}

/** Refuses what cannot be JSON before reading it: another media type (415) or no body at all (400). */
const acceptJsonOnly: RequestHandler = (req, _res, next) => {
  const type = req.headers['content-type'];
  if (type !== undefined && !/json/i.test(type)) {
    throw new MeshError('UNSUPPORTED_MEDIA_TYPE', `expected application/json, got ${type}`);
  }
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if ((length === undefined && !chunked) || length === '0') {
    throw new MeshError('BAD_REQUEST', 'request body is empty; expected JSON');
  }
  next();
};

/**
 * Reads a JSON body into `req.body` with express.json(): at most `limitBytes` (413 past it, refused from
 * Content-Length before reading when it says so), any JSON value (the route's schema says what it wants),
 * no content-encoding. A missing Content-Type is read as JSON, as the gateway always has.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, strict: false, inflate: false, type: () => true });
  return [
    acceptJsonOnly,
    (req, res, next) => {
      parse(req, res, (error?: unknown) => {
        next(error === undefined ? undefined : bodyError(error, limitBytes));
      });
    },
  ];
}
