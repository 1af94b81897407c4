import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, silentLogger } from '@mesh/common';
import { createRegistryServer } from '@mesh/registry';
import type { RegistryServer } from '@mesh/registry';
import { createTestPki, waitFor } from '@mesh/testkit';
import type { TestPki } from '@mesh/testkit';
import { MeshPolicy, clientTlsOptions, loadTlsMaterial, serverTlsOptions } from '@mesh/trust';
import { issueLeaf } from '@mesh/trust/ca';
import { defineAgent, z } from '../index.js';
import type { RunningAgent } from '../index.js';
import {
  FrameKind,
  FrameReader,
  MESH_STREAM_PROTOCOL,
  decodeAnswer,
  encodeFrame,
} from '../mesh-stream-frames.js';
import { FakeRegistry } from '../test-fake-registry.js';

const logger = silentLogger();
const NAMES = ['registry', 'payment-agent', 'order-agent', 'user-agent', 'api-gateway'];

function policyFor(pki: TestPki): MeshPolicy {
  return new MeshPolicy(pki.trustDomain, [
    {
      name: 'payment-agent',
      provides: ['payment_process', 'payment_refund'],
      dependsOn: [],
      restricted: { payment_refund: ['order-agent'] },
    },
    { name: 'user-agent', provides: ['user_get'], dependsOn: [] },
    { name: 'order-agent', provides: [], dependsOn: ['payment-agent', 'user-agent'] },
    { name: 'api-gateway', provides: [], dependsOn: ['user-agent'] },
  ]);
}

/** TLS options of a workload of the test PKI, as a client (the mesh CA, its certificate). */
function as(pki: TestPki, name: string, kind: 'agent' | 'operator' = 'agent') {
  return clientTlsOptions(loadTlsMaterial(pki.settings(name, kind)));
}

function anonymous(pki: TestPki) {
  return { ca: readFileSync(pki.caFile) };
}

function toolCall(name: string, args: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function payments() {
  const agent = defineAgent({ name: 'payment-agent' });
  const charged: string[] = [];
  agent.tool({
    name: 'payment_process',
    idempotent: true,
    input: z.object({ order_id: z.string() }),
    handler: ({ order_id }) => {
      charged.push(order_id);
      return { payment_id: `ch_${order_id}` };
    },
  });
  agent.tool({
    name: 'payment_refund',
    input: z.object({ order_id: z.string() }),
    handler: ({ order_id }) => ({ refunded: order_id }),
  });
  return { agent, charged };
}

describe(
  'a strict mesh: mTLS and the capability policy (registry and agents in process)',
  { timeout: 60_000 },
  () => {
    let pki: TestPki;
    let policy: MeshPolicy;
    let registry: RegistryServer;
    let registryUrl: string;
    const running: RunningAgent[] = [];
    let paymentAgent: RunningAgent;
    const order = defineAgent({ name: 'order-agent' });
    const orderDeps = order.consumer({
      pay: { capability: 'payment_process', idempotent: true, timeoutMs: 5000 },
      refund: { capability: 'payment_refund', timeoutMs: 5000 },
    });

    beforeAll(async () => {
      pki = await createTestPki(NAMES);
      policy = policyFor(pki);
      registry = await createRegistryServer({ config: { tls: pki.settings('registry') }, policy });
      registryUrl = (await registry.listen(0, '127.0.0.1')).url;
      const { agent } = payments();
      const mesh = (name: string) => ({
        registryUrl,
        healthIntervalMs: 500,
        tls: pki.settings(name),
        policy,
      });
      paymentAgent = await agent.start({ app: undefined, mesh: mesh('payment-agent'), logger });
      running.push(paymentAgent);
      running.push(await order.start({ app: undefined, mesh: mesh('order-agent'), logger }));
      await waitFor(async () => (orderDeps.pay.providers === 1 ? true : undefined), { timeoutMs: 10_000 });
    });

    afterAll(async () => {
      for (const agent of running.reverse()) await agent.stop();
      await registry?.close();
      pki?.remove();
    });

    it('serves agents over https and calls them through mTLS', async () => {
      expect(registryUrl.startsWith('https://')).toBe(true);
      expect(paymentAgent.url.startsWith('https://')).toBe(true);
      await expect(orderDeps.pay.call({ order_id: 'o-1' })).resolves.toEqual({ payment_id: 'ch_o-1' });
      await expect(orderDeps.refund.call({ order_id: 'o-1' })).resolves.toEqual({ refunded: 'o-1' });
    });

    it('answers a registry request without a client certificate 401, probes excepted', async () => {
      const body = JSON.stringify({
        agent_id: 'rogue-1',
        name: 'payment-agent',
        http_host: '127.0.0.1',
        http_port: 9,
        tools: [],
      });
      const rogue = await httpRequest(`${registryUrl}/heartbeat`, {
        method: 'POST',
        body,
        tls: anonymous(pki),
      });
      expect(rogue.status).toBe(401);
      expect(rogue.text).toContain('no client certificate');
      expect((await httpRequest(`${registryUrl}/agents`, { tls: anonymous(pki) })).status).toBe(401);
      expect((await httpRequest(`${registryUrl}/health`, { tls: anonymous(pki) })).status).toBe(200);
    });

    it('refuses a valid certificate of agent A registering a capability of agent B', async () => {
      const body = (name: string, capability: string) =>
        JSON.stringify({
          agent_id: 'rogue-payments',
          name,
          http_host: '127.0.0.1',
          http_port: 9,
          tools: [{ function_name: capability, capability }],
        });
      const posing = await httpRequest(`${registryUrl}/heartbeat`, {
        method: 'POST',
        body: body('payment-agent', 'payment_process'),
        tls: as(pki, 'user-agent'),
      });
      expect(posing.status).toBe(403);
      expect(posing.text).toContain('agent/user-agent may not register as payment-agent');
      const claiming = await httpRequest(`${registryUrl}/heartbeat`, {
        method: 'POST',
        body: body('user-agent', 'payment_process'),
        tls: as(pki, 'user-agent'),
      });
      expect(claiming.status).toBe(403);
      expect(claiming.text).toContain('agent/user-agent does not provide payment_process');
      const ids = [...registry.registry.agentStates()].map((state) => state.record.agent_id);
      expect(ids).not.toContain('rogue-payments');
    });

    it('refuses an endpoint on a host the certificate does not name', async () => {
      const answer = await httpRequest(`${registryUrl}/heartbeat`, {
        method: 'POST',
        body: JSON.stringify({
          agent_id: 'user-agent-metadata',
          name: 'user-agent',
          http_host: 'metadata.google.internal',
          http_port: 80,
          tools: [{ function_name: 'user_get', capability: 'user_get' }],
        }),
        tls: as(pki, 'user-agent'),
      });
      expect(answer.status).toBe(403);
      expect(answer.text).toContain('register the endpoint host metadata.google.internal');
    });

    it('lets only the owner or the operator delete or heartbeat an agent id', async () => {
      const id = paymentAgent.agentId;
      const deleted = await httpRequest(`${registryUrl}/agents/${id}`, {
        method: 'DELETE',
        tls: as(pki, 'order-agent'),
      });
      expect(deleted.status).toBe(403);
      expect(deleted.text).toContain(`agent/order-agent may not delete ${id}`);
      const head = await httpRequest(`${registryUrl}/heartbeat/${id}`, {
        method: 'HEAD',
        tls: as(pki, 'user-agent'),
      });
      expect(head.status).toBe(403);
      expect(registry.registry.getAgent(id)?.record.status).toBe('healthy');
      const metrics = await registry.metrics.prom.metrics();
      expect(metrics).toMatch(
        /mesh_registry_trust_refusals_total\{reason="forbidden",identity="agent\/order-agent",action="delete"\} 1/,
      );
    });

    it('lets only the operator set or remove a canary', async () => {
      const body = JSON.stringify({ version: '2.0.0', weight: 10 });
      const headers = { 'content-type': 'application/json' };
      const byAgent = await httpRequest(`${registryUrl}/canaries/payment-agent`, {
        method: 'PUT',
        headers,
        body,
        tls: as(pki, 'payment-agent'),
      });
      expect(byAgent.status).toBe(403);
      expect(byAgent.text).toContain('canaries are operator-only');
      const byOperator = await httpRequest(`${registryUrl}/canaries/payment-agent`, {
        method: 'PUT',
        headers,
        body,
        tls: as(pki, 'meshctl', 'operator'),
      });
      expect(byOperator.status).toBe(200);
      const listed = await httpRequest(`${registryUrl}/canaries`, { tls: as(pki, 'order-agent') });
      expect(JSON.parse(listed.text)).toMatchObject({
        canaries: [{ agent_name: 'payment-agent', weight: 10 }],
      });
      const removed = await httpRequest(`${registryUrl}/canaries/payment-agent`, {
        method: 'DELETE',
        tls: as(pki, 'meshctl', 'operator'),
      });
      expect(removed.status).toBe(204);
    });

    it('refuses unauthenticated and wrongly authenticated tool calls with 401 and 403', async () => {
      const url = `${paymentAgent.url}/mcp`;
      const call = (tls: object, tool: string) =>
        httpRequest(url, {
          method: 'POST',
          headers: MCP_HEADERS,
          body: toolCall(tool, { order_id: 'o-9' }),
          tls,
        });
      const unauthenticated = await call(anonymous(pki), 'payment_refund');
      expect(unauthenticated.status).toBe(401);
      expect(unauthenticated.text).toContain('no client certificate');
      const gateway = await call(as(pki, 'api-gateway'), 'payment_process');
      expect(gateway.status).toBe(403);
      expect(JSON.parse(gateway.text).error.message).toBe(
        'Forbidden: agent/api-gateway may not call payment_process: agent/api-gateway does not depend on payment-agent in architecture.yml',
      );
      const user = await call(as(pki, 'user-agent'), 'payment_refund');
      expect(user.status).toBe(403);
      expect((await call(as(pki, 'meshctl', 'operator'), 'payment_refund')).status).toBe(200);
      const metrics = await httpRequest(`${paymentAgent.url}/metrics`, { tls: anonymous(pki) });
      expect(metrics.text).toMatch(
        /mesh_trust_refusals_total\{direction="inbound",reason="unauthenticated",identity="anonymous",capability="\(any\)"/,
      );
      expect(metrics.text).toMatch(
        /mesh_trust_refusals_total\{direction="inbound",reason="forbidden",identity="agent\/api-gateway",capability="payment_process"/,
      );
    });

    it('refuses a mesh stream without a certificate at the upgrade, and a forbidden call on one with 403', async () => {
      const url = new URL(`${paymentAgent.url}/mcp`);
      const upgrade = (tls: object) =>
        new Promise<{ status: number; socket?: Duplex }>((resolve, reject) => {
          const req = https.request({
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            headers: { connection: 'Upgrade', upgrade: MESH_STREAM_PROTOCOL },
            ...tls,
          });
          req.on('upgrade', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
          req.on('response', (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0 });
          });
          req.on('error', reject);
          req.end();
        });
      expect((await upgrade(anonymous(pki))).status).toBe(401);
      const gateway = await upgrade(as(pki, 'api-gateway'));
      expect(gateway.status).toBe(101);
      const answer = await new Promise<{ status: number; text: string }>((resolve) => {
        const reader = new FrameReader();
        gateway.socket!.on('data', (chunk: Buffer) =>
          reader.push(chunk, (frame) => resolve(decodeAnswer(frame.body))),
        );
        gateway.socket!.write(
          encodeFrame(FrameKind.CALL, 1, `{"h":{},"m":${toolCall('payment_process', { order_id: 'o-9' })}}`),
        );
      });
      gateway.socket!.destroy();
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.text).error.message).toContain(
        'agent/api-gateway may not call payment_process',
      );
    });

    it('refuses expired and foreign-CA client certificates', async () => {
      const ca = {
        certPem: readFileSync(pki.caFile, 'utf8'),
        keyPem: readFileSync(`${pki.dir}/ca.key`, 'utf8'),
      };
      const expired = await issueLeaf(ca, {
        identity: { trustDomain: pki.trustDomain, kind: 'agent', name: 'order-agent' },
        hosts: [],
        validDays: 1,
        expired: true,
      });
      const answer = await httpRequest(`${paymentAgent.url}/mcp`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: toolCall('payment_process', { order_id: 'o-x' }),
        tls: { ca: ca.certPem, cert: expired.certPem, key: expired.keyPem },
      });
      expect(answer.status).toBe(401);
      expect(answer.text).toContain('CERT_HAS_EXPIRED');
      const foreign = await createTestPki(['order-agent']);
      try {
        const other = await httpRequest(`${registryUrl}/agents`, {
          tls: { ...as(foreign, 'order-agent'), ca: readFileSync(pki.caFile) },
        });
        expect(other.status).toBe(401);
        expect(other.text).toContain('client certificate refused');
      } finally {
        foreign.remove();
      }
    });
  },
);

describe(
  'a strict consumer meeting a provider whose certificate names the wrong agent',
  { timeout: 30_000 },
  () => {
    let pki: TestPki;
    const registry = new FakeRegistry();
    const running: RunningAgent[] = [];
    let rogue: https.Server;
    let rogueRequests = 0;
    const order = defineAgent({ name: 'order-agent' });
    const deps = order.consumer({
      pay: { capability: 'payment_process', idempotent: true, timeoutMs: 5000 },
    });

    beforeAll(async () => {
      pki = await createTestPki(NAMES);
      const policy = policyFor(pki);
      // A user-agent process (valid certificate of this mesh) listed as a payment provider: it "got in".
      rogue = https.createServer(
        serverTlsOptions(loadTlsMaterial(pki.settings('user-agent'))),
        (_req, res) => {
          rogueRequests += 1;
          res.end('{}');
        },
      );
      await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
      const registryUrl = await registry.start();
      const { agent, charged } = payments();
      void charged;
      const real = await agent.start({
        app: undefined,
        mesh: { registryUrl: null, tls: pki.settings('payment-agent'), policy },
        logger,
      });
      running.push(real);
      registry.addStatic(
        'rogue-1',
        'payment_process',
        `https://127.0.0.1:${(rogue.address() as AddressInfo).port}`,
      );
      registry.addStatic('payment-1', 'payment_process', real.url);
      running.push(
        await order.start({
          app: undefined,
          mesh: { registryUrl, healthIntervalMs: 200, tls: pki.settings('order-agent'), policy },
          logger,
        }),
      );
      await waitFor(async () => (deps.pay.providers === 2 ? true : undefined), { timeoutMs: 10_000 });
    });

    afterAll(async () => {
      for (const agent of running.reverse()) await agent.stop();
      await registry.stop();
      await new Promise<void>((resolve) => rogue.close(() => resolve()));
      pki.remove();
    });

    it('fails the handshake with the rogue before sending anything and uses the real provider', async () => {
      for (let n = 0; n < 20; n += 1)
        await expect(deps.pay.call({ order_id: `o-${n}` })).resolves.toEqual({ payment_id: `ch_o-${n}` });
      expect(rogueRequests).toBe(0);
      const metrics = await httpRequest(`${running[1]!.url}/metrics`, { tls: anonymous(pki) });
      expect(metrics.text).toMatch(
        /mesh_trust_refusals_total\{direction="outbound",reason="peer_rejected",identity="rogue-1",capability="payment_process"[^}]*\} [1-9]/,
      );
    });
  },
);

describe('certificate rotation under load', { timeout: 60_000 }, () => {
  let pki: TestPki;
  let registry: RegistryServer;
  const running: RunningAgent[] = [];
  const order = defineAgent({ name: 'order-agent' });
  const deps = order.consumer({ pay: { capability: 'payment_process', idempotent: true, timeoutMs: 5000 } });

  beforeAll(async () => {
    pki = await createTestPki(NAMES, { reloadIntervalMs: 100 });
    const policy = policyFor(pki);
    registry = await createRegistryServer({ config: { tls: pki.settings('registry') }, policy });
    const registryUrl = (await registry.listen(0, '127.0.0.1')).url;
    const mesh = (name: string) => ({ registryUrl, healthIntervalMs: 300, tls: pki.settings(name), policy });
    running.push(await payments().agent.start({ app: undefined, mesh: mesh('payment-agent'), logger }));
    running.push(await order.start({ app: undefined, mesh: mesh('order-agent'), logger }));
    await waitFor(async () => (deps.pay.providers === 1 ? true : undefined), { timeoutMs: 10_000 });
  });

  afterAll(async () => {
    for (const agent of running.reverse()) await agent.stop();
    await registry?.close();
    pki?.remove();
  });

  it('re-issues every certificate while calls run, with no failed call, and new handshakes use the new ones', async () => {
    const served = () =>
      new Promise<string>((resolve, reject) => {
        const request = https.request(
          `${running[0]!.url}/health`,
          { ...clientTlsOptions(loadTlsMaterial(pki.settings('order-agent'))), agent: false },
          (response) => {
            resolve((response.socket as TLSSocket).getPeerX509Certificate()!.fingerprint256);
            response.resume();
          },
        );
        request.on('error', reject);
        request.end();
      });
    const before = await served();
    let stop = false;
    const failures: unknown[] = [];
    let calls = 0;
    const load = (async () => {
      const deadline = Date.now() + 20_000;
      while (!stop && Date.now() < deadline) {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            try {
              await deps.pay.call({ order_id: `r-${(calls += 1)}` });
            } catch (error: unknown) {
              failures.push(error);
            }
          }),
        );
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pki.issue(NAMES, { rotate: true });
    await waitFor(async () => ((await served()) !== before ? true : undefined), { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(50);
  });
});
