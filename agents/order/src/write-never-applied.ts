/** Errors of connecting, before any statement could be sent (the `pg` pool's and Node's). */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const CONNECT_MESSAGES =
  /timeout exceeded when trying to connect|connection terminated due to connection timeout/i;
/** A SQLSTATE: the server answered the statement with an error, so (autocommit) it did not commit. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Whether a failed write provably changed nothing: the connection was never made, or the server refused the
 * statement. A connection lost after the statement left (reset, terminated, timed out waiting for the reply)
 * proves nothing: the write may have committed, so the caller must not be told "never taken, retry".
 */
export function writeNeverApplied(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECT_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (CONNECT_MESSAGES.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
