import type { RequestHandler } from 'express';
import { MeshError, readJsonBody } from '@mesh/common';

/**
 * Reads a JSON body into `req.body`: at most `limitBytes` (413 past it, refused from Content-Length before
 * reading when it says so), any JSON value (the route's schema says what it wants); malformed JSON is 400
 * `malformed JSON: <reason>`, an empty body 400. A missing Content-Type is read as JSON, as the gateway always
 * has; another media type, or a compressed body, is 415 before anything is read.
 *
 * Not express.json(): body-parser's stack (raw-body, iconv-lite, type-is, on-finished) cost about 100 µs of
 * CPU per request here (docs/benchmarks.md), which is more than the rest of the gateway's own work per order;
 * `readJsonBody` is the reader the registry and the runtime use, with the same limits and error codes.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return (req, _res, next) => {
    const type = req.headers['content-type'];
    if (type !== undefined && !/json/i.test(type)) {
      throw new MeshError('UNSUPPORTED_MEDIA_TYPE', `expected application/json, got ${type}`);
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      throw new MeshError(
        'UNSUPPORTED_MEDIA_TYPE',
        `content encoding ${encoding} is not accepted; send plain JSON`,
      );
    }
    readJsonBody(req, { limitBytes }).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}
