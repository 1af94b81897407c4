import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Registration {
  agent_id: string;
  name: string;
  version: string;
  http_host: string;
  http_port: number;
  tools: {
    function_name: string;
    capability: string;
    dependencies?: { capability: string }[];
    kwargs?: Record<string, unknown>;
  }[];
}

/**
 * A tiny in-test registry: POST /heartbeat resolves dependencies by exact capability (every provider listed
 * in `providers`, as our registry does), HEAD answers 202 after a change, DELETE removes. No /watch.
 */
export class FakeRegistry {
  readonly agents = new Map<string, Registration>();
  readonly requests: string[] = [];
  /** The status answered to each of `requests` (same index) once the answer is sent; 0 until then. */
  readonly responses: number[] = [];
  private readonly stale = new Set<string>();
  private readonly statics: {
    agent_id: string;
    capability: string;
    function_name: string;
    endpoint: string;
    kwargs?: Record<string, unknown>;
  }[] = [];
  private server: http.Server | undefined;
  url = '';
  /** Serve GET /watch/{id} (off: 404, as the official registry answers). */
  watchEnabled = false;
  /** Answer this many watch requests 404 anyway (a replica that does not know the agent yet). */
  refuseWatches = 0;
  private readonly watchers = new Map<string, http.ServerResponse>();
  private topologyVersion = 0;

  /** Starts (or restarts, on the same port) the registry. */
  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Adds a provider that never registers (a raw server, or a dead endpoint), with its tool's kwargs if any. */
  addStatic(
    agentId: string,
    capability: string,
    endpoint: string,
    functionName = capability,
    kwargs?: Record<string, unknown>,
  ): void {
    this.statics.push({
      agent_id: agentId,
      capability,
      function_name: functionName,
      endpoint,
      ...(kwargs ? { kwargs } : {}),
    });
    this.changed();
  }

  /** Forgets one agent while staying up (its next HEAD gets 410). */
  forget(agentId: string): void {
    this.agents.delete(agentId);
  }

  /** Forgets every agent, as a restarted in-memory registry would. */
  forgetAll(): void {
    this.agents.clear();
  }

  /** A restart of an in-memory registry: every agent forgotten, every change feed dropped. */
  restart(): void {
    this.forgetAll();
    for (const res of this.watchers.values()) res.destroy();
    this.watchers.clear();
  }

  /** Whether the agent has a change feed open right now. */
  watching(agentId: string): boolean {
    return this.watchers.has(agentId);
  }

  private changed(): void {
    this.topologyVersion += 1;
    for (const id of this.agents.keys()) this.stale.add(id);
    for (const [id, res] of this.watchers) {
      if (this.agents.has(id)) res.write(`event: topology\ndata: {"version":${this.topologyVersion}}\n\n`);
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const index = this.requests.push(`${req.method} ${req.url}`) - 1;
    this.responses[index] = 0;
    res.on('finish', () => (this.responses[index] = res.statusCode));
    const watch = /^\/watch\/(.+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && watch && this.watchEnabled) {
      const id = decodeURIComponent(watch[1]!);
      if (!this.agents.has(id) || this.refuseWatches > 0) {
        this.refuseWatches = Math.max(0, this.refuseWatches - 1);
        // As our registry: no feed for an agent it does not know (yet).
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"unknown agent"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': connected\n\n');
      this.watchers.set(id, res);
      res.on('close', () => this.watchers.delete(id));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/heartbeat') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Registration;
        const known = this.agents.has(body.agent_id);
        this.agents.set(body.agent_id, body);
        if (!known) this.changed();
        this.stale.delete(body.agent_id);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 'success',
            agent_id: body.agent_id,
            dependencies_resolved: this.resolve(body),
          }),
        );
        return;
      }
      const head = /^\/heartbeat\/(.+)$/.exec(req.url ?? '');
      if (req.method === 'HEAD' && head) {
        const id = decodeURIComponent(head[1]!);
        res.writeHead(!this.agents.has(id) ? 410 : this.stale.has(id) ? 202 : 200);
        res.end();
        return;
      }
      const del = /^\/agents\/(.+)$/.exec(req.url ?? '');
      if (req.method === 'DELETE' && del) {
        this.agents.delete(decodeURIComponent(del[1]!));
        this.changed();
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
    });
  }

  private resolve(agent: Registration): Record<string, unknown[]> {
    const resolved: Record<string, unknown[]> = {};
    for (const tool of agent.tools) {
      resolved[tool.function_name] = (tool.dependencies ?? []).map((dependency) => {
        const providers = [...this.agents.values()].flatMap((candidate) =>
          candidate.tools
            .filter((provided) => provided.capability === dependency.capability)
            .map((provided) => ({
              agent_id: candidate.agent_id,
              function_name: provided.function_name,
              endpoint: `http://${candidate.http_host}:${candidate.http_port}`,
              status: 'available',
              ...(provided.kwargs ? { kwargs: provided.kwargs } : {}),
            })),
        );
        for (const extra of this.statics) {
          if (extra.capability !== dependency.capability) continue;
          providers.push({
            agent_id: extra.agent_id,
            function_name: extra.function_name,
            endpoint: extra.endpoint,
            status: 'available',
            ...(extra.kwargs ? { kwargs: extra.kwargs } : {}),
          });
        }
        const winner = providers[0];
        if (!winner)
          return {
            agent_id: '',
            function_name: '',
            endpoint: '',
            capability: dependency.capability,
            status: 'unresolved',
          };
        return { ...winner, capability: dependency.capability, providers };
      });
    }
    return resolved;
  }
}
