import type { ConnectionOptions } from 'node:tls';
import { MeshError, httpResponse } from '@mesh/common';

/** The subset of the registry's AgentInfo (GET /agents) that meshctl reads. */
export interface AgentInfo {
  id: string;
  name: string;
  agent_type?: string;
  status: string;
  endpoint: string;
  version?: string;
  capabilities: {
    name: string;
    version?: string;
    function_name: string;
    tags?: string[];
    /** The official registry: false while a required dependency is not available (and why). */
    available?: boolean;
    unavailable_reason?: string;
    /** The tool's registration kwargs (`idempotent: true` when it is safe to run twice). */
    kwargs?: Record<string, unknown>;
  }[];
  total_dependencies: number;
  dependencies_resolved: number;
  dependency_resolutions?: {
    function_name?: string;
    capability: string;
    mcp_tool?: string;
    provider_agent_id?: string;
    endpoint?: string;
    status: string;
    /** Our registry: set on dependencies registered as required. */
    required?: boolean;
  }[];
  last_seen?: string;
}

/** Talks to a registry speaking the MCP Mesh protocol (ours or the official one). */
export class RegistryClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 3000,
    /** For an https registry (strict mesh): the mesh CA and meshctl's operator certificate. */
    private readonly tls?: ConnectionOptions,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private get(path: string): Promise<Response> {
    return this.send('GET', path);
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' };
    try {
      const url = `${this.baseUrl}${path}`;
      if (url.startsWith('https:'))
        return await httpResponse(url, {
          method,
          headers,
          ...(json === undefined ? {} : { body: json }),
          timeoutMs: this.timeoutMs,
          tls: this.tls ?? {},
        });
      return await fetch(url, {
        method,
        headers,
        ...(json === undefined ? {} : { body: json }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error: unknown) {
      throw new MeshError('CONNECTION_FAILED', `registry at ${this.baseUrl} does not answer`, {
        cause: error,
      });
    }
  }

  /** True when GET /health answers 2xx. */
  async healthy(): Promise<boolean> {
    try {
      const response = await this.get('/health');
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  async health(): Promise<Record<string, unknown>> {
    const response = await this.get('/health');
    if (!response.ok) throw new MeshError('REMOTE_ERROR', `registry /health answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  async agents(): Promise<AgentInfo[]> {
    const response = await this.get('/agents');
    if (!response.ok) throw new MeshError('REMOTE_ERROR', `registry /agents answered ${response.status}`);
    const body = (await response.json()) as { agents?: AgentInfo[] };
    return (body.agents ?? []).map((agent) => ({
      ...agent,
      capabilities: agent.capabilities ?? [],
      dependency_resolutions: agent.dependency_resolutions ?? [],
    }));
  }

  /** The canaries in force (our registry's extension; the official one has none: an empty list). */
  async canaries(): Promise<CanaryInfo[]> {
    const response = await this.get('/canaries');
    if (response.status === 404) return [];
    if (!response.ok) throw await refused(response, 'GET /canaries');
    return ((await response.json()) as { canaries?: CanaryInfo[] }).canaries ?? [];
  }

  async canary(agentName: string): Promise<CanaryInfo | undefined> {
    const response = await this.get(`/canaries/${encodeURIComponent(agentName)}`);
    if (response.status === 404) return undefined;
    if (!response.ok) throw await refused(response, `GET /canaries/${agentName}`);
    return (await response.json()) as CanaryInfo;
  }

  /** Sets the canary version and its percent of calls (operator-only in a strict mesh). */
  async setCanary(agentName: string, version: string, weight: number): Promise<CanaryInfo> {
    const response = await this.send('PUT', `/canaries/${encodeURIComponent(agentName)}`, {
      version,
      weight,
    });
    if (!response.ok) throw await refused(response, `PUT /canaries/${agentName}`);
    return (await response.json()) as CanaryInfo;
  }

  async deleteCanary(agentName: string): Promise<void> {
    const response = await this.send('DELETE', `/canaries/${encodeURIComponent(agentName)}`);
    await response.arrayBuffer();
    if (!response.ok) throw await refused(response, `DELETE /canaries/${agentName}`);
  }
}

/** A canary record as the registry lists it. */
export interface CanaryInfo {
  agent_name: string;
  version: string;
  weight: number;
  updated_at: number;
}

async function refused(response: Response, what: string): Promise<MeshError> {
  const text = await response.text().catch(() => '');
  let message = text.slice(0, 300);
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // not JSON: the text as it is
  }
  return new MeshError('REMOTE_ERROR', `registry refused ${what}: HTTP ${response.status} ${message}`.trim());
}
