import { readFileSync } from 'node:fs';
import type { Sample } from './prometheus.js';

/** One query of one panel of a Grafana dashboard. */
export interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
  /** The panel's unit: `percentunit` marks a ratio (0 to 1). */
  unit: string;
  exemplar: boolean;
}

interface GrafanaPanel {
  title: string;
  type: string;
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { refId: string; expr: string; exemplar?: boolean }[];
  panels?: GrafanaPanel[];
}

/** Every query of every panel (rows' nested panels included) of a dashboard JSON file. */
export function dashboardQueries(file: string): PanelQuery[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: GrafanaPanel[] };
  return dashboard.panels
    .flatMap((panel) => [panel, ...(panel.panels ?? [])])
    .flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        panel: panel.title,
        refId: target.refId,
        expr: target.expr,
        unit: panel.fieldConfig?.defaults?.unit ?? 'short',
        exemplar: target.exemplar === true,
      })),
    );
}

/**
 * The expression as Grafana sends it: template variables replaced by their values ("All" is `.+`, the
 * variables' allValue), `$__rate_interval` by the window given.
 */
export function substitute(
  expr: string,
  values: { rateInterval: string; variables: Record<string, string> },
): string {
  return expr.replace(/\$(__rate_interval|\w+)/g, (whole, name: string) => {
    if (name === '__rate_interval') return values.rateInterval;
    const value = values.variables[name];
    if (value === undefined) throw new Error(`no value for the dashboard variable $${name} in ${expr}`);
    return value;
  });
}

/**
 * What is wrong with a query's answer on a healthy system that served traffic: no series (the panel would be
 * empty: a wrong name or label value), only NaN (nothing to draw), or a ratio at 100 % in every series (the
 * "Tool error ratio" that compared outcome to a value the code never emits showed exactly that).
 */
export function problemsWith(query: Pick<PanelQuery, 'unit'>, samples: readonly Sample[]): string[] {
  if (samples.length === 0) return ['returns no series'];
  const finite = samples.map((sample) => Number(sample.value)).filter((value) => Number.isFinite(value));
  if (finite.length === 0) return ['returns only NaN or infinite values'];
  if (query.unit === 'percentunit' && finite.every((value) => value >= 0.999))
    return [`is a ratio at 100 % in every series (${samples.length}) on a healthy system`];
  return [];
}
