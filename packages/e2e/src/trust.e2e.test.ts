import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { httpRequest } from '@mesh/common';
import { chargeViolations } from '@mesh/meshctl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, postOrder, type HttpAnswer } from './support/api.js';
import { readEndpoints, type SystemEndpoints } from './support/environment.js';
import { chargesOf } from './support/ledgers.js';
import { startSystem, type StartedSystem } from './system/harness.js';

/** The tools architecture.yml keeps from ordinary callers, by the agent that serves them. */
const RESTRICTED: readonly { agent: string; tool: string; args: Record<string, unknown> }[] = [
  {
    agent: 'auth-agent',
    tool: 'auth_register_credentials',
    args: { user_id: 'mallory', username: 'mallory', password: 'pw-123456', scopes: ['admin'] },
  },
  { agent: 'auth-agent', tool: 'auth_revoke_token', args: { token: 'x' } },
  { agent: 'payment-agent', tool: 'payment_refund', args: { order_id: 'order-1' } },
  { agent: 'payment-agent', tool: 'payment_standing_charges', args: {} },
  { agent: 'inventory-agent', tool: 'inventory_restock', args: { sku: 'ITEM-1', quantity: 1 } },
  {
    agent: 'user-agent',
    tool: 'user_create',
    args: { username: 'mallory', email: 'm@example.com', password: 'pw-123456' },
  },
  { agent: 'analytics-agent', tool: 'analytics_report', args: {} },
];

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/**
 * The attacks a stranger on the same host made against the one-command start when the mesh trusted the
 * network (rogue registrations, deletes, direct tool calls to credential registration and refunds), now
 * against the strict default; then certificates re-issued while orders flow.
 */
describe('a strict mesh from the one-command start: attacks refused, rotation without a failed order', () => {
  let system: StartedSystem;
  let endpoints: SystemEndpoints;
  const tlsDir = (): string => join(system.home, 'tls');
  const as = (kind: 'agent' | 'operator', name: string): ConnectionOptions => ({
    ca: readFileSync(join(tlsDir(), 'ca.crt')),
    cert: readFileSync(join(tlsDir(), kind, `${name}.crt`)),
    key: readFileSync(join(tlsDir(), kind, `${name}.key`)),
  });
  const anonymous = (): ConnectionOptions => ({ ca: readFileSync(join(tlsDir(), 'ca.crt')) });
  const agentUrl = (name: string): string => {
    const url = endpoints.processes.find((p) => p.name === name && p.kind === 'agent')?.url;
    if (!url) throw new Error(`no ${name} in the started system`);
    return url;
  };
  const toolCall = (name: string, tool: string, args: Record<string, unknown>, tls: ConnectionOptions) =>
    httpRequest(`${agentUrl(name)}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: tool, arguments: args },
      }),
      tls,
      timeoutMs: 10_000,
    });
  const agentIds = async (): Promise<{ id: string; name: string }[]> => {
    const listing = await httpRequest(`${system.registryUrl}/agents`, { tls: as('operator', 'meshctl') });
    return (JSON.parse(listing.text) as { agents: { id: string; name: string }[] }).agents;
  };

  beforeAll(async () => {
    system = await startSystem({ env: { MCP_MESH_TLS_RELOAD_INTERVAL: '1s' } });
    endpoints = readEndpoints(system.home, system.gatewayUrl);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  }, 90_000);

  it('starts strict: https registry and agents, certificates 0600, the edge on plain HTTP', () => {
    expect(system.output).toContain('mTLS strict');
    expect(system.registryUrl.startsWith('https://')).toBe(true);
    expect(agentUrl('payment-agent').startsWith('https://')).toBe(true);
    expect(system.gatewayUrl.startsWith('http://')).toBe(true);
  });

  it("refuses a rogue registration without a certificate, and one that claims another agent's capability", async () => {
    const rogue = (name: string, capability: string) =>
      JSON.stringify({
        agent_id: `rogue-${randomBytes(3).toString('hex')}`,
        name,
        http_host: '127.0.0.1',
        http_port: 9,
        tools: [{ function_name: capability, capability }],
      });
    const plain = await httpRequest(system.registryUrl.replace('https:', 'http:') + '/heartbeat', {
      method: 'POST',
      body: rogue('payment-agent', 'payment_process'),
    }).catch((error: unknown) => ({ status: 0, text: String(error) }));
    expect(plain.status === 0 || plain.status >= 400).toBe(true);
    const anonymousAnswer = await httpRequest(`${system.registryUrl}/heartbeat`, {
      method: 'POST',
      body: rogue('payment-agent', 'payment_process'),
      tls: anonymous(),
    });
    expect(anonymousAnswer.status).toBe(401);
    const claiming = await httpRequest(`${system.registryUrl}/heartbeat`, {
      method: 'POST',
      body: rogue('api-gateway', 'payment_process'),
      tls: as('agent', 'api-gateway'),
    });
    expect(claiming.status).toBe(403);
    expect(claiming.text).toContain('agent/api-gateway does not provide payment_process');
    expect((await agentIds()).filter((agent) => agent.id.startsWith('rogue-'))).toEqual([]);
  });

  it('refuses a delete of another agent, and keeps it registered', async () => {
    const payment = (await agentIds()).find((agent) => agent.name === 'payment-agent')!;
    const anonymousDelete = await httpRequest(`${system.registryUrl}/agents/${payment.id}`, {
      method: 'DELETE',
      tls: anonymous(),
    });
    expect(anonymousDelete.status).toBe(401);
    const byUser = await httpRequest(`${system.registryUrl}/agents/${payment.id}`, {
      method: 'DELETE',
      tls: as('agent', 'user-agent'),
    });
    expect(byUser.status).toBe(403);
    expect((await agentIds()).map((agent) => agent.id)).toContain(payment.id);
  });

  it('answers every restricted tool 401 without a certificate and 403 to an agent not allowed', async () => {
    for (const { agent, tool, args } of RESTRICTED) {
      const unauthenticated = await toolCall(agent, tool, args, anonymous());
      expect({ tool, status: unauthenticated.status }).toEqual({ tool, status: 401 });
      const gateway = await toolCall(agent, tool, args, as('agent', 'api-gateway'));
      expect({ tool, status: gateway.status }).toEqual({ tool, status: 403 });
      expect(gateway.text).toContain(`agent/api-gateway may not call ${tool}`);
    }
    // A mesh certificate of another agent claiming to be a payment provider is still not the payment agent.
    const refund = await toolCall(
      'payment-agent',
      'payment_refund',
      { order_id: 'order-1' },
      as('agent', 'user-agent'),
    );
    expect(refund.status).toBe(403);
  });

  it('keeps the money right after the attacks', async () => {
    const token = await login(system.gatewayUrl, 'user-3');
    const answer = await postOrder(system.gatewayUrl, token, {
      order_id: `trust-${randomBytes(3).toString('hex')}`,
      user_id: 'user-3',
      items: [{ sku: 'ITEM-1', quantity: 1 }],
    });
    expect(answer.body['status']).toBe('completed');
    const orderId = answer.body['order_id'] as string;
    // ITEM-1 is 9.99 in the catalogue: exactly one succeeded, unrefunded charge of 999 cents.
    expect(
      chargeViolations(orderId, 'completed', await chargesOf(endpoints.paymentUrl, orderId), 999),
    ).toEqual([]);
  });

  it('re-issues every certificate while orders flow, with zero failed orders', async () => {
    const tokens = await Promise.all(
      ['user-4', 'user-5', 'user-6', 'user-7'].map((user) => login(system.gatewayUrl, user)),
    );
    const answers: HttpAnswer[] = [];
    let stop = false;
    let n = 0;
    const run = randomBytes(3).toString('hex');
    const load = Promise.all(
      tokens.map(async (token, worker) => {
        const deadline = Date.now() + 40_000;
        while (!stop && Date.now() < deadline) {
          n += 1;
          answers.push(
            await postOrder(system.gatewayUrl, token, {
              order_id: `rotate-${run}-${n}`,
              user_id: `user-${worker + 4}`,
              items: [{ sku: 'ITEM-2', quantity: 1 }],
            }),
          );
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rotated = system.meshctl('tls', 'init', '--rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('issued agent/order-agent (rotate)');
    // Every process reloads within its 1 s interval; keep the orders flowing a while on the new certificates.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    stop = true;
    await load;
    const failed = answers.filter((answer) => answer.body['status'] !== 'completed');
    expect(failed.map((answer) => `${answer.status} ${JSON.stringify(answer.body)}`)).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    const logs = readFileSync(join(system.home, 'logs', 'payment-agent-1.log'), 'utf8');
    expect(logs).toContain('TLS certificate rotated');
    const registryLog = readFileSync(join(system.home, 'logs', 'registry.log'), 'utf8');
    expect(registryLog).toContain('TLS certificate rotated');
  }, 90_000);
});
