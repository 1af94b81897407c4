import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  emittedOutcomes,
  labelMatchers,
  metricNamesIn,
  metricSources,
  registeredMetricNames,
} from './test-monitoring-metrics.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const deploy = join(root, 'deploy');
const sources = metricSources(root);
const registered = registeredMetricNames(sources);
const outcomes = emittedOutcomes(sources);

type Panel = { title: string; targets?: { expr: string }[]; panels?: Panel[] };
const dashboard = JSON.parse(readFileSync(join(deploy, 'grafana/dashboards/agent-mesh.json'), 'utf8')) as {
  panels: Panel[];
};
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const dashboardExprs = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => [`panel "${panel.title}"`, target.expr] as const),
);

type Rule = { alert: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> };
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
