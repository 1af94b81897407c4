/** The same synthetic mesh for every registry: N agents, 3 tools each, chained dependencies. */
export function agentBodies(count: number): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const cap = (k: number) => `capability_${k % 50}`;
    bodies.push(
      JSON.stringify({
        agent_id: `bench-agent-${i}`,
        agent_type: 'mcp_agent',
        name: `bench-agent-${i}`,
        version: '1.0.0',
        http_host: '127.0.0.1',
        http_port: 20_000 + i,
        namespace: 'default',
        timestamp: new Date().toISOString(),
        tools: [
          {
            function_name: `tool_${i % 50}`,
            capability: cap(i),
            version: '1.0.0',
            tags: ['bench', i % 2 === 0 ? 'even' : 'odd'],
            dependencies: [
              { capability: cap(i + 1), tags: ['bench'], version: '>=1.0.0', namespace: 'default' },
              { capability: cap(i + 2), tags: ['+even'], version: '', namespace: 'default' },
            ],
            description: 'benchmark tool',
          },
          {
            function_name: `aux_${i % 50}`,
            capability: `aux_${i % 50}`,
            version: '1.0.0',
            tags: [],
            dependencies: [],
          },
          {
            function_name: `report_${i % 50}`,
            capability: `report_${i % 50}`,
            version: '1.0.0',
            tags: [],
            dependencies: [
              { capability: `aux_${(i + 3) % 50}`, tags: [], version: '', namespace: 'default' },
            ],
          },
        ],
      }),
    );
  }
  return bodies;
}

/** Registers every body with bounded concurrency; throws on the first non-200. */
export async function registerAll(url: string, bodies: readonly string[], concurrency = 20): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next]!;
      next += 1;
      const response = await fetch(`${url}/heartbeat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`registration failed with ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
