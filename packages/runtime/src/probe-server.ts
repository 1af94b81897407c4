import http from 'node:http';
import type { HealthState, ReadinessState } from './http-server.js';

/** Where the probes read the agent's state. */
export interface ProbeSources {
  agentName: string;
  agentId: string;
  readiness(): ReadinessState;
  health(): HealthState;
}

/** Writes a JSON answer with its length (HEAD: headers only). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, head: boolean): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(head ? undefined : payload);
}

/**
 * Answers `/livez`, `/ready` or `/health` and returns true, or returns false for any other path. The agent
 * port and the probe listener both answer through here, so a probe sees exactly what the agent port says.
 */
export function answerProbe(
  path: string,
  head: boolean,
  res: http.ServerResponse,
  sources: ProbeSources,
): boolean {
  const timestamp = new Date().toISOString();
  switch (path) {
    case '/livez':
      sendJson(res, 200, { alive: true, agent: sources.agentName, timestamp }, head);
      return true;
    case '/ready': {
      const state = sources.readiness();
      sendJson(
        res,
        state.ready ? 200 : 503,
        { ...state, agent: sources.agentName, agent_id: sources.agentId, timestamp },
        head,
      );
      return true;
    }
    case '/health': {
      const state = sources.health();
      sendJson(
        res,
        state.status === 'healthy' ? 200 : 503,
        { ...state, agent: sources.agentName, timestamp },
        head,
      );
      return true;
    }
    default:
      return false;
  }
}

/** The loopback interface the probe listener binds: only a checker inside the same host or pod reaches it. */
export const PROBE_HOST = '127.0.0.1';

/**
 * A plain-HTTP listener for the probes alone (no /mcp, no /metrics). In strict mode the agent port speaks
 * mTLS, which a container health checker would need TLS and a client library for; this one is answered by
 * a shell's `/dev/tcp`, so checking a container costs a few milliseconds of CPU instead of a Node process.
 */
export function createProbeServer(sources: ProbeSources): http.Server {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const method = req.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && answerProbe(path, method === 'HEAD', res, sources)) return;
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no probe at ${path}` } }, method === 'HEAD');
  });
  // Probes open one short connection each; never hold idle ones.
  server.keepAliveTimeout = 1000;
  server.headersTimeout = 5000;
  server.requestTimeout = 5000;
  return server;
}
