import { MeshError } from '@mesh/common';

/** Rounds of percent-decoding checked: enough for any encoding a chain of proxies and a server might undo. */
const DECODE_ROUNDS = 3;

function underMcp(pathname: string): boolean {
  return pathname === '/mcp' || pathname.startsWith('/mcp/');
}

function outside(path: string, why: string): MeshError {
  return new MeshError('FORBIDDEN', `proxy path "${path}" ${why}; only /mcp and below can be proxied`, {
    data: { field: 'target', path },
  });
}

/**
 * The URL a `/proxy/{host}:{port}{path}` request may reach on the agent at `endpoint`, or a MeshError.
 *
 * The URL is built first and checked after: building it resolves `.` and `..` segments (their `%2e` spellings
 * too), so checking the raw text would let `/mcp/../admin` through. The resolved path must be `/mcp` or below
 * it, on the agent's own origin (`//host/…` and `\host` forms resolve elsewhere), and it must stay there
 * however often the agent's server percent-decodes it (`%2e%2e%2f`, `%252e%252e`): no decoding may produce a
 * dot segment or a malformed escape.
 */
export function proxyTargetUrl(endpoint: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(path, endpoint);
  } catch {
    throw new MeshError('BAD_REQUEST', `proxy target "${endpoint}${path}" is not a valid URL`, {
      data: { field: 'target', path },
    });
  }
  if (url.origin !== new URL(endpoint).origin) throw outside(path, `leaves the agent at ${endpoint}`);
  if (!underMcp(url.pathname)) throw outside(path, `resolves to "${url.pathname}"`);
  let current = url.pathname;
  for (let round = 0; round < DECODE_ROUNDS; round += 1) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      throw new MeshError('BAD_REQUEST', `proxy path "${path}" has a malformed percent-encoding`, {
        data: { field: 'target', path },
      });
    }
    if (decoded === current) return url;
    if (decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) {
      throw outside(path, 'contains an encoded dot segment');
    }
    current = decoded;
  }
  throw outside(path, `is percent-encoded more than ${DECODE_ROUNDS} times`);
}
