import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_SERIES, metricNamesIn, toolAvailable } from '@mesh/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  emittedOutcomes,
  labelMatchers,
  metricSources,
  registeredMetricNames,
} from './test-monitoring-metrics.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const deploy = join(root, 'deploy');
const sources = metricSources(root);
const fromSources = registeredMetricNames(sources);
/** What the sources register and the broker's plugin serves. */
const registered = new Set([...fromSources, ...BROKER_SERIES]);
const outcomes = new Set(emittedOutcomes(sources));

type Target = { expr: string; exemplar?: boolean };
type Panel = { title: string; type: string; targets?: Target[]; panels?: Panel[] };
const dashboard = JSON.parse(readFileSync(join(deploy, 'grafana/dashboards/agent-mesh.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; query: { query: string } | string }[] };
};
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const dashboardExprs = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => [`panel "${panel.title}"`, target.expr] as const),
);

type Rule = {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
const alertRules = (
  parse(readFileSync(join(deploy, 'prometheus/alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((group) => group.rules);
const alertExprs = alertRules.map((rule) => [`alert ${rule.alert}`, rule.expr] as const);

describe('the helpers read metric names and label values', () => {
  it('finds metric names in PromQL, leaving out functions, keywords, labels and numbers', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.95, sum by (le, tool) (rate(mesh_tool_duration_seconds_bucket{a="b"}[5m]))) / clamp_min(sum(x_total) without (y), 1e-9) > bool 0 or vector(0)',
      ),
    ).toEqual(['mesh_tool_duration_seconds_bucket', 'x_total']);
  });

  it('finds the registered names of the runtime, registry and agents, histogram series included', () => {
    for (const name of [
      'mesh_tool_calls_total',
      'mesh_tool_duration_seconds_bucket',
      'mesh_trust_refusals_total',
      'mesh_registry_trust_refusals_total',
      'mesh_registry_agents',
      'gateway_http_request_duration_seconds_bucket',
      'gateway_orders_total',
      'order_reconcile_charges_total',
      'analytics_events_total',
    ])
      expect(registered, name).toContain(name);
    expect(registered).not.toContain('mesh_tool_calls');
    expect(outcomes).toContain('ok');
    expect(outcomes).not.toContain('success');
  });
});

describe('the dashboard', () => {
  const reads = (name: string) => dashboardExprs.some(([, expr]) => metricNamesIn(expr).includes(name));

  it('shows the gateway (rate, errors, duration), the orders, the event bus and the broker', () => {
    for (const name of [
      'gateway_http_requests_total',
      'gateway_http_request_duration_seconds_bucket',
      'gateway_orders_total',
      'order_outcomes_total',
      'mesh_tool_calls_total',
      'mesh_circuit_breaker_state',
      'mesh_events_published_total',
      'mesh_events_fell_back_total',
      'mesh_events_consumed_total',
      'mesh_events_consumer_lag_seconds',
      'mesh_events_queue_messages',
      'mesh_events_queue_consumers',
      'rabbitmq_detailed_queue_messages_ready',
      'rabbitmq_detailed_queue_consumers',
    ])
      expect(reads(name), name).toBe(true);
  });

  it('shows the shop: checkouts, the catalogue copy, recommendation sources and the model behind them', () => {
    for (const name of [
      'cart_checkouts_total',
      'cart_store_backend',
      'product_catalogue_loaded_timestamp_seconds',
      'product_catalogue_loads_total',
      'product_catalogue_stale_reads_total',
      'recommendation_answers_total',
      'recommendation_model_trained_timestamp_seconds',
      'recommendation_model_file_refused',
    ])
      expect(reads(name), name).toBe(true);
  });

  it('defines the agent and instance variables it uses, and uses no other', () => {
    const defined = dashboard.templating.list.map((variable) => variable.name);
    expect(defined).toEqual(['agent', 'instance']);
    const used = new Set(
      dashboardExprs.flatMap(([, expr]) => [...expr.matchAll(/\$(\w+)/g)].map((m) => m[1]!)),
    );
    for (const name of used) expect([...defined, '__rate_interval'], name).toContain(name);
    expect(used).toContain('agent');
    expect(used).toContain('instance');
  });

  it('links gateway latency to traces through exemplars (Prometheus stores them, Grafana opens Jaeger)', () => {
    const withExemplars = panels.flatMap((panel) =>
      (panel.targets ?? []).filter((target) => target.exemplar),
    );
    expect(withExemplars.map((target) => metricNamesIn(target.expr))).toContainEqual([
      'gateway_http_request_duration_seconds_bucket',
    ]);
    const datasources = parse(
      readFileSync(join(deploy, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: { uid: string; jsonData?: { exemplarTraceIdDestinations?: unknown[] } }[] };
    const prometheus = datasources.datasources.find((source) => source.uid === 'prometheus');
    expect(prometheus?.jsonData?.exemplarTraceIdDestinations).toEqual([
      { name: 'trace_id', datasourceUid: 'jaeger' },
    ]);
    const compose = parse(readFileSync(join(deploy, 'docker-compose.monitoring.yml'), 'utf8')) as {
      services: Record<string, { command?: string[] }>;
    };
    expect(compose.services['prometheus']?.command).toContain('--enable-feature=exemplar-storage');
  });
});

describe('every dashboard and alert expression reads what the code emits', () => {
  const all = [...dashboardExprs, ...alertExprs];

  it('has expressions to check', () => {
    expect(dashboardExprs.length).toBeGreaterThan(4);
    expect(alertExprs.length).toBeGreaterThan(2);
  });

  it.each(all)('%s reads only metric names the sources register', (_where, expr) => {
    const names = metricNamesIn(expr);
    expect(names.length, expr).toBeGreaterThan(0);
    for (const name of names) expect([...registered], `${name} in ${expr}`).toContain(name);
  });

  it.each(all)('%s compares outcome only to values the code emits', (_where, expr) => {
    for (const matcher of labelMatchers(expr).filter((m) => m.label === 'outcome'))
      for (const value of matcher.values)
        expect([...outcomes], `outcome ${matcher.op} "${value}" in ${expr}`).toContain(value);
  });
});

const promtool = toolAvailable('promtool', 'the alert rule unit tests');

describe('alert rules', () => {
  it('label every alert with a severity and annotate it with a summary and a description', () => {
    for (const rule of alertRules) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.['severity']);
      expect(rule.annotations?.['summary'], rule.alert).toBeTruthy();
      expect(rule.annotations?.['description'], rule.alert).toBeTruthy();
    }
  });

  it('page on what users feel, besides targets that stop answering', () => {
    const reads = (name: string) => alertRules.some((rule) => metricNamesIn(rule.expr).includes(name));
    for (const name of [
      'up',
      'mesh_tool_calls_total',
      'gateway_http_request_duration_seconds_bucket',
      'mesh_circuit_breaker_state',
      'mesh_trust_refusals_total',
      'mesh_registry_trust_refusals_total',
      'mesh_registry_agents',
      'gateway_orders_total',
      // A dead-letter queue that is not empty, a queue with events and no consumer.
      'rabbitmq_detailed_queue_messages',
      'rabbitmq_detailed_queue_consumers',
      'mesh_events_queue_messages',
      'mesh_events_queue_consumers',
      // A recommendation model nobody retrains while orders complete, a model file refused.
      'recommendation_model_trained_timestamp_seconds',
      'recommendation_model_file_refused',
    ])
      expect(reads(name), name).toBe(true);
  });

  type RuleTest = { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] };
  const unitTests = (
    parse(readFileSync(join(deploy, 'prometheus/alerts.test.yml'), 'utf8')) as {
      rule_files: string[];
      tests: RuleTest[];
    }
  ).tests.flatMap((test) => test.alert_rule_test);

  it.each(alertRules.map((rule) => [rule.alert]))(
    '%s has a unit test where it fires and one where it does not',
    (alert) => {
      const cases = unitTests.filter((test) => test.alertname === alert);
      expect(cases.some((test) => test.exp_alerts.length > 0)).toBe(true);
      expect(cases.some((test) => test.exp_alerts.length === 0)).toBe(true);
    },
  );

  it.skipIf(!promtool)('pass their unit tests (promtool test rules)', () => {
    const run = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], {
      cwd: join(deploy, 'prometheus'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});

describe('alert routing', () => {
  type Route = { receiver?: string; group_by?: string[]; routes?: Route[] };
  const alertmanager = parse(readFileSync(join(deploy, 'prometheus/alertmanager.yml'), 'utf8')) as {
    route: Route;
    receivers: { name: string; webhook_configs?: { url: string; send_resolved?: boolean }[] }[];
  };
  const prometheus = parse(readFileSync(join(deploy, 'prometheus/prometheus.yml'), 'utf8')) as {
    alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  };
  const monitoring = parse(readFileSync(join(deploy, 'docker-compose.monitoring.yml'), 'utf8')) as {
    services: Record<string, { image?: string; volumes?: string[]; command?: string[] }>;
  };

  it('sends every alert to a webhook receiver, grouped by alert and agent', () => {
    const { route, receivers } = alertmanager;
    expect(route.group_by).toEqual(expect.arrayContaining(['alertname', 'agent']));
    const names = receivers.map((receiver) => receiver.name);
    const walk = (r: Route): string[] => [r.receiver ?? '', ...(r.routes ?? []).flatMap(walk)];
    for (const name of walk(route).filter(Boolean)) expect(names).toContain(name);
    const byDefault = receivers.find((receiver) => receiver.name === route.receiver);
    expect(byDefault?.webhook_configs?.[0]?.url).toMatch(/^https?:\/\//);
  });

  it('is where Prometheus sends alerts, and runs in the monitoring layer with that config', () => {
    expect(prometheus.alerting?.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['alertmanager:9093']);
    const service = monitoring.services['alertmanager'];
    expect(service?.image).toMatch(/^prom\/alertmanager:v\d/);
    expect(service?.volumes).toContain('./prometheus/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro');
    expect(service?.command).toContain('--config.file=/etc/alertmanager/alertmanager.yml');
    expect(monitoring.services['prometheus']?.volumes).toContain(
      './prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
    );
  });
});
