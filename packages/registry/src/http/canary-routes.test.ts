import { describe, expect, it } from 'vitest';
import { agentBody, head, postJson, freshRegistryEachTest } from '../test-support.js';

function put(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function orderReplica(id: string, version: string, port: number): Record<string, unknown> {
  return agentBody(id, [{ capability: 'order_processing', function_name: 'process_order' }], {
    name: 'order-agent',
    version,
    http_port: port,
  });
}

const GATEWAY = agentBody('gateway', [
  { capability: 'edge', dependencies: [{ capability: 'order_processing' }] },
]);

interface Listed {
  agent_id: string;
  version: string;
  weight?: number;
}

async function providersSeenBy(url: string): Promise<Listed[]> {
  const answer = await postJson(`${url}/heartbeat`, GATEWAY);
  const resolved = answer.body['dependencies_resolved'] as Record<string, { providers: Listed[] }[]>;
  return resolved['edge']![0]!.providers.map(({ agent_id, version, weight }) => ({
    agent_id,
    version,
    ...(weight === undefined ? {} : { weight }),
  }));
}

/** Resolves with the next `event: topology` on an agent's watch stream (or rejects after `ms`). */
async function nextTopologyEvent(url: string, ms: number): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    const response = await fetch(url, { signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error('stream ended');
      text += decoder.decode(chunk.value, { stream: true });
      if (text.includes('event: topology')) return;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe('/canaries', () => {
  const registry = freshRegistryEachTest();

  it('stores, lists, reads and deletes a canary record', async () => {
    const set = await put(`${registry.url}/canaries/order-agent`, { version: '2.0.0', weight: 10 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ agent_name: 'order-agent', version: '2.0.0', weight: 10 });
    const listed = (await (await fetch(`${registry.url}/canaries`)).json()) as { canaries: unknown[] };
    expect(listed.canaries).toEqual([
      { agent_name: 'order-agent', version: '2.0.0', weight: 10, updated_at: expect.any(Number) },
    ]);
    expect((await fetch(`${registry.url}/canaries/order-agent`)).status).toBe(200);
    expect((await fetch(`${registry.url}/canaries/order-agent`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${registry.url}/canaries/order-agent`)).status).toBe(404);
    expect(
      ((await (await fetch(`${registry.url}/canaries`)).json()) as { canaries: unknown[] }).canaries,
    ).toEqual([]);
  });

  it('refuses a bad version, a bad weight and a bad name with 400 naming the field', async () => {
    const cases: [string, unknown, string][] = [
      ['order-agent', { version: 'latest', weight: 10 }, 'version'],
      ['order-agent', { version: '2.0.0', weight: 101 }, 'weight'],
      ['order-agent', { version: '2.0.0', weight: 12.5 }, 'weight'],
      ['order-agent', [], '(body)'],
      ['order agent', { version: '2.0.0', weight: 10 }, 'agent_name'],
    ];
    for (const [name, body, field] of cases) {
      const response = await put(`${registry.url}/canaries/${encodeURIComponent(name)}`, body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ details: { field } });
    }
  });

  it('keeps a new version out of the winner until weighted, then lists it with its weight', async () => {
    await postJson(`${registry.url}/heartbeat`, orderReplica('order-b1', '1.0.0', 9001));
    await put(`${registry.url}/canaries/order-agent`, { version: '2.0.0', weight: 10 });
    // Sorts first by id, so without the record this replica would be the winner and take every call.
    await postJson(`${registry.url}/heartbeat`, orderReplica('order-a2', '2.0.0', 9002));
    const answer = await postJson(`${registry.url}/heartbeat`, GATEWAY);
    const entry = (answer.body['dependencies_resolved'] as Record<string, Record<string, unknown>[]>)[
      'edge'
    ]![0]!;
    expect(entry['agent_id']).toBe('order-b1');
    expect(await providersSeenBy(registry.url)).toEqual([
      { agent_id: 'order-b1', version: '1.0.0', weight: 90 },
      { agent_id: 'order-a2', version: '2.0.0', weight: 10 },
    ]);
  });

  it('answers HEAD 202 and signals the watch feed when only the weight changes', async () => {
    await postJson(`${registry.url}/heartbeat`, orderReplica('order-b1', '1.0.0', 9001));
    await put(`${registry.url}/canaries/order-agent`, { version: '2.0.0', weight: 10 });
    await postJson(`${registry.url}/heartbeat`, orderReplica('order-a2', '2.0.0', 9002));
    await postJson(`${registry.url}/heartbeat`, GATEWAY);
    expect(await head(`${registry.url}/heartbeat/gateway`)).toBe(200);

    const event = nextTopologyEvent(`${registry.url}/watch/gateway`, 3000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await put(`${registry.url}/canaries/order-agent`, { version: '2.0.0', weight: 50 });
    await event;
    expect(await head(`${registry.url}/heartbeat/gateway`)).toBe(202);
    expect((await providersSeenBy(registry.url)).map((p) => p.weight)).toEqual([50, 50]);
    expect(await head(`${registry.url}/heartbeat/gateway`)).toBe(200);

    await put(`${registry.url}/canaries/order-agent`, { version: '2.0.0', weight: 0 });
    expect(await head(`${registry.url}/heartbeat/gateway`)).toBe(202);
    expect(await providersSeenBy(registry.url)).toEqual([{ agent_id: 'order-b1', version: '1.0.0' }]);
  });

  it('answers HEAD 200 when a canary of an agent nobody depends on changes', async () => {
    await postJson(`${registry.url}/heartbeat`, orderReplica('order-b1', '1.0.0', 9001));
    await postJson(`${registry.url}/heartbeat`, GATEWAY);
    await put(`${registry.url}/canaries/mail-agent`, { version: '2.0.0', weight: 10 });
    expect(await head(`${registry.url}/heartbeat/gateway`)).toBe(200);
  });
});
