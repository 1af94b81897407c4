import { describe, expect, it } from 'vitest';
import { agentBody, postJson, freshRegistryEachTest } from './test-support.js';

interface SseReader {
  /** Resolves with the next `event:` block's name and data. */
  next(): Promise<{ event: string; data: string }>;
  close(): void;
}

async function openWatch(
  url: string,
): Promise<{ status: number; reader: SseReader | undefined; body: string }> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  if (response.status !== 200 || response.body === null) {
    return { status: response.status, reader: undefined, body: await response.text() };
  }
  const stream = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const reader: SseReader = {
    async next() {
      for (;;) {
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n').filter((line) => !line.startsWith(':'));
          const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
          if (event !== undefined) return { event, data: data ?? '' };
          end = buffer.indexOf('\n\n');
        }
        const chunk = await stream.read();
        if (chunk.done) throw new Error('stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
  return { status: 200, reader, body: '' };
}

describe('GET /watch/{agent_id}', () => {
  const registry = freshRegistryEachTest();

  it('answers 404 with a JSON error for an unknown agent', async () => {
    const { status, body } = await openWatch(`${registry.url}/watch/nobody`);
    expect(status).toBe(404);
    expect(JSON.parse(body)).toMatchObject({ details: { code: 'NOT_FOUND', field: 'agent_id' } });
  });

  it('delivers a topology event within a second of a provider registering', async () => {
    await postJson(
      `${registry.url}/heartbeat`,
      agentBody('consumer', [{ capability: 'orders', dependencies: [{ capability: 'stock' }] }]),
    );
    const { reader } = await openWatch(`${registry.url}/watch/consumer`);
    try {
      await postJson(`${registry.url}/heartbeat`, agentBody('unrelated', [{ capability: 'mail' }]));
      const started = performance.now();
      const [message] = await Promise.all([
        reader!.next(),
        postJson(`${registry.url}/heartbeat`, agentBody('stock-1', [{ capability: 'stock' }])),
      ]);
      const elapsedMs = performance.now() - started;
      expect(message.event).toBe('topology');
      expect(JSON.parse(message.data)).toEqual({ version: expect.any(Number) });
      expect(elapsedMs).toBeLessThan(1000);
      const again = await postJson(
        `${registry.url}/heartbeat`,
        agentBody('consumer', [{ capability: 'orders', dependencies: [{ capability: 'stock' }] }]),
      );
      expect(JSON.stringify(again.body['dependencies_resolved'])).toContain('stock-1');
    } finally {
      reader!.close();
    }
  });

  it('signals when the provider leaves and ends streams on shutdown', async () => {
    await postJson(`${registry.url}/heartbeat`, agentBody('stock-1', [{ capability: 'stock' }]));
    await postJson(
      `${registry.url}/heartbeat`,
      agentBody('consumer', [{ capability: 'orders', dependencies: [{ capability: 'stock' }] }]),
    );
    const { reader } = await openWatch(`${registry.url}/watch/consumer`);
    const [message] = await Promise.all([
      reader!.next(),
      fetch(`${registry.url}/agents/stock-1`, { method: 'DELETE' }),
    ]);
    expect(message.event).toBe('topology');
    expect(registry.watchFeed.size).toBe(1);
    await registry.close();
    await expect(reader!.next()).rejects.toThrow();
  });
});
