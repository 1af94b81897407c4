import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { httpRequest } from '@mesh/common';
import { realServerUrl, toolAvailable, waitFor, deleteQueues } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { getJson, login, postJson, postOrder } from './support/api.js';
import { dashboardQueries, problemsWith, substitute } from './support/dashboard.js';
import { readEndpoints } from './support/environment.js';
import { BusinessDb } from './support/ledgers.js';
import { startPrometheus, type RunningPrometheus } from './support/prometheus.js';
import { REPO_ROOT, startSystem, type StartedSystem } from './system/harness.js';

const hasPrometheus = toolAvailable('prometheus', 'the dashboard test');
const rabbitmqUrl = realServerUrl('rabbitmq');
const brokerMetricsUrl = realServerUrl('rabbitmq-metrics');

const queries = dashboardQueries(join(REPO_ROOT, 'deploy/grafana/dashboards/agent-mesh.json'));
/** Prometheus scrapes this often here (10 s in the configuration meshctl writes). */
const SCRAPE_INTERVAL = '1s';
/** What Grafana's $__rate_interval becomes: a window over both rounds of traffic below. */
const RATE_INTERVAL = '30s';

/**
 * Every query of every panel of the Grafana dashboard, evaluated by a real Prometheus (Debian's) that scrapes the
 * whole system as users start it (`.mesh/prometheus.yml`, written by the start: replicas through the registry's
 * HTTP service discovery with the operator certificate, the gateway, the registry, and RabbitMQ's Prometheus
 * plugin). The system serves orders (completed, a declined card, an item out of stock), cart checkouts and
 * recommendations (from a model trained between the two rounds), a malformed event that goes to the dead-letter
 * queue and calls refused by mTLS; then each query must answer with series, with a value to draw, and, for a
 * ratio, not 100 % everywhere on this healthy system.
 */
describe.skipIf(!hasPrometheus || !rabbitmqUrl || !brokerMetricsUrl)(
  'the dashboard against a real Prometheus fed by the running system',
  () => {
    const run = randomBytes(3).toString('hex');
    const queue = `e2e-dash-${run}.order-events`;
    const emailQueue = `e2e-dash-${run}.order-emails`;
    const scarceSku = `DASH-${run}-SCARCE`;
    let system: StartedSystem;
    let prometheus: RunningPrometheus;
    let placed = 0;
    const startedAt = Date.now() / 1000;

    /**
     * Completed orders, a declined card and an item out of stock, a cart checkout, recommendations, a poison
     * event, refused mTLS calls.
     */
    const traffic = async (round: number, token: string, db: BusinessDb): Promise<void> => {
      const order = (suffix: string, extra: Record<string, unknown> = {}) => ({
        order_id: `dash-${run}-${round}-${suffix}`,
        user_id: 'user-31',
        items: [{ sku: 'ITEM-1', quantity: 1 }],
        ...extra,
      });
      const answers = await Promise.all([
        postOrder(system.gatewayUrl, token, order('ok-1')),
        postOrder(system.gatewayUrl, token, order('ok-2')),
        postOrder(system.gatewayUrl, token, order('declined', { payment_method: 'tok_chargeDeclined' })),
        postOrder(
          system.gatewayUrl,
          token,
          order('out-of-stock', { items: [{ sku: scarceSku, quantity: 2 }] }),
        ),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 402, 409]);
      placed += answers.length;
      expect((await db.stock(scarceSku)).available).toBe(1);

      // The shop: the catalogue, a cart checked out and checked out again (the first outcome, replayed), and
      // recommendations (best sellers in the first round, the model trained between the rounds in the second).
      expect((await getJson(`${system.gatewayUrl}/products?q=item&limit=3`)).status).toBe(200);
      const filled = await postJson(
        `${system.gatewayUrl}/cart`,
        { items: [{ sku: 'ITEM-2', quantity: 1 }] },
        token,
      );
      expect(filled.status, JSON.stringify(filled.body)).toBe(200);
      const checkouts: unknown[] = [];
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const answer = await postJson(`${system.gatewayUrl}/cart/checkout`, {}, token, 90_000);
        checkouts.push([answer.status, answer.body['status'], answer.body['replayed']]);
      }
      expect(checkouts).toEqual([
        [200, 'completed', false],
        [200, 'completed', true],
      ]);
      expect((await recommend(token)).status).toBe(200);

      // A malformed event: analytics sends it to <queue>.dlq at once.
      const connection = await amqp.connect(rabbitmqUrl!);
      const channel = await connection.createConfirmChannel();
      channel.sendToQueue(queue, Buffer.from('not json'), { persistent: true });
      await channel.waitForConfirms();
      await connection.close();

      // Calls without a client certificate, refused by an agent and by the registry.
      const ca = readFileSync(join(system.home, 'tls/ca.crt'));
      const orderAgent = system.state.processes.find((process) => process.name === 'order-agent')!;
      const agentAnswer = await httpRequest(`${orderAgent.url}/mcp`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
        tls: { ca },
      });
      const registryAnswer = await httpRequest(`${system.registryUrl}/agents`, { tls: { ca } });
      expect([agentAnswer.status, registryAnswer.status]).toEqual([401, 401]);
    };

    const recommend = (token: string) => getJson(`${system.gatewayUrl}/recommendations?limit=3`, token);

    const value = async (expr: string): Promise<number> =>
      Number((await prometheus.query(expr))[0]?.value ?? Number.NaN);

    beforeAll(async () => {
      system = await startSystem({
        env: {
          RABBITMQ_URL: rabbitmqUrl!,
          ANALYTICS_QUEUE: queue,
          NOTIFICATION_QUEUE: emailQueue,
          MESH_RABBITMQ_METRICS_URL: brokerMetricsUrl!,
        },
      });
      // The configuration the start wrote, scraping every second so the test waits seconds, not minutes.
      const config = parse(readFileSync(join(system.home, 'prometheus.yml'), 'utf8')) as {
        global: Record<string, string>;
        scrape_configs: { http_sd_configs?: { refresh_interval: string }[] }[];
      };
      config.global = { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL };
      for (const job of config.scrape_configs)
        for (const sd of job.http_sd_configs ?? []) sd.refresh_interval = SCRAPE_INTERVAL;
      const configFile = join(system.home, 'prometheus-test.yml');
      // JSON is YAML: Prometheus reads it as is.
      writeFileSync(configFile, JSON.stringify(config));
      prometheus = await startPrometheus(configFile, join(system.home, 'prometheus'));

      // Every replica the registry lists, the gateway, the registry and the broker, scraped at least once.
      const agentProcesses = system.state.processes.filter((process) => process.kind === 'agent').length;
      await waitFor(
        async () => {
          const targets = await prometheus.targets();
          const ready =
            targets.filter((target) => target.labels['job'] === 'agents').length >= agentProcesses + 1 &&
            targets.every((target) => target.health === 'up');
          return ready ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, description: 'every target scraped' },
      ).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${JSON.stringify(await prometheus.targets(), null, 1)}`);
      });

      const db = new BusinessDb(readEndpoints(system.home, system.gatewayUrl).businessDbUrl);
      try {
        await db.createSku(scarceSku, 1, 5);
        const token = await login(system.gatewayUrl, 'user-31');
        // Two rounds a few scrapes apart: a labelled counter's first increment makes its series, which rate()
        // cannot see; the second round moves every series the first one made.
        await traffic(1, token, db);
        // A model trained on the first round's orders, so the second round's recommendations come from it.
        const trained = await system.script('scripts/train-recommendations.mjs', [], 60_000);
        expect(trained.code, trained.output).toBe(0);
        await waitFor(
          async () => {
            const answer = await recommend(token);
            return (answer.body['model'] as { source?: string } | undefined)?.source === 'model'
              ? true
              : undefined;
          },
          { timeoutMs: 15_000, intervalMs: 250, description: 'recommendations from the trained model' },
        );
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        await traffic(2, token, db);
      } finally {
        await db.close();
      }
      // Scraped after the last order, and once more.
      await waitFor(
        async () =>
          (await value('sum(gateway_orders_total)')) >= placed &&
          (await value('sum(order_outcomes_total)')) >= placed
            ? true
            : undefined,
        { timeoutMs: 20_000, intervalMs: 250, description: `Prometheus to see the ${placed} orders` },
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    });

    afterAll(async () => {
      await prometheus?.stop();
      await system?.stop();
      await deleteQueues(rabbitmqUrl!, [queue, emailQueue]);
    });

    it('finds every replica through the registry and scrapes it over mTLS', async () => {
      const targets = await prometheus.targets();
      const scraped = new Set(targets.map((target) => new URL(target.scrapeUrl).host));
      for (const process of system.state.processes.filter((p) => p.kind !== 'infrastructure'))
        expect(scraped, `${process.name} ${process.url}`).toContain(new URL(process.url!).host);
      const agents = targets.filter((target) => target.labels['job'] === 'agents');
      expect(new Set(agents.map((target) => target.labels['agent']))).toEqual(
        new Set(system.state.processes.filter((p) => p.kind === 'agent').map((p) => p.name)),
      );
      expect(agents.filter((target) => target.scrapeUrl.startsWith('https://')).length).toBeGreaterThan(10);
    });

    it.for(queries.map((query) => [`${query.panel} (${query.refId})`, query] as const))(
      'panel "%s" shows data',
      async ([, query]) => {
        const expr = substitute(query.expr, {
          rateInterval: RATE_INTERVAL,
          variables: { agent: '.+', instance: '.+' },
        });
        const samples = await prometheus.query(expr);
        expect(problemsWith(query, samples), `${expr}\n${JSON.stringify(samples.slice(0, 10))}`).toEqual([]);
      },
    );

    it('counts the shop as it happened: checkouts completed and replayed, answers from the model once trained', async () => {
      expect(await value('sum(cart_checkouts_total{outcome="completed"})')).toBe(2);
      expect(await value('sum(cart_checkouts_total{outcome="replayed"})')).toBe(2);
      expect(await value('sum(recommendation_answers_total{source="model"})')).toBeGreaterThanOrEqual(2);
      // The first round's completed orders: two placed directly, one checked out from the cart.
      expect(await value('max(recommendation_model_orders)')).toBeGreaterThanOrEqual(3);
      expect(await value('max(product_catalogue_products)')).toBeGreaterThan(0);
    });

    it('keeps exemplars that link the gateway latency to traces', async () => {
      const exemplars = await prometheus.exemplars(
        'gateway_http_request_duration_seconds_bucket',
        startedAt,
        Date.now() / 1000,
      );
      expect(exemplars.length).toBeGreaterThan(0);
      for (const exemplar of exemplars) expect(exemplar.labels['trace_id']).toMatch(/^[0-9a-f]{32}$/);
    });

    it('evaluates every alert rule on the live data; the dead-letter alert sees the malformed event', async () => {
      const rules = await waitFor(
        async () => {
          const all = await prometheus.rules();
          return all.every((rule) => rule.health !== 'unknown') ? all : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 250, description: 'every rule evaluated' },
      );
      for (const rule of rules) expect(rule.health, `${rule.name}: ${rule.lastError ?? ''}`).toBe('ok');
      // The broker's per-queue figures are refreshed every few seconds, the consumers' samples every 15 s: wait
      // for the next evaluation that sees the test's dead-letter queue.
      await waitFor(
        async () => {
          const deadLetters = (await prometheus.rules()).find(
            (rule) => rule.name === 'DeadLetterQueueNotEmpty',
          );
          const queues = deadLetters?.alerts?.map((alert) => alert.labels['queue']) ?? [];
          return queues.includes(`${queue}.dlq`) ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500, description: `DeadLetterQueueNotEmpty for ${queue}.dlq` },
      );
    });

    it('would fail the old error-ratio panel, which compared outcome to a value the runtime never emits', async () => {
      const old = `sum(rate(mesh_tool_calls_total{outcome!="success"}[${RATE_INTERVAL}])) / clamp_min(sum(rate(mesh_tool_calls_total[${RATE_INTERVAL}])), 1e-9)`;
      expect(problemsWith({ unit: 'percentunit' }, await prometheus.query(old))[0]).toMatch(/100 %/);
    });
  },
);
