import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../system/harness.js';
import { dashboardQueries, problemsWith, substitute } from './dashboard.js';

const sample = (value: string) => ({ metric: {}, value });

describe('dashboard queries', () => {
  it('reads every query of the dashboard, in rows too, with its unit', () => {
    const queries = dashboardQueries(join(REPO_ROOT, 'deploy/grafana/dashboards/agent-mesh.json'));
    expect(queries.length).toBeGreaterThan(20);
    expect(queries).toContainEqual(
      expect.objectContaining({ panel: 'Tool error ratio by agent', unit: 'percentunit', refId: 'A' }),
    );
    expect(queries.filter((query) => query.exemplar).length).toBeGreaterThan(0);
  });

  it('substitutes the variables as Grafana does, and refuses an unknown one', () => {
    const values = { rateInterval: '20s', variables: { agent: '.+', instance: '.+' } };
    expect(substitute('rate(x{agent=~"$agent", instance=~"$instance"}[$__rate_interval])', values)).toBe(
      'rate(x{agent=~".+", instance=~".+"}[20s])',
    );
    expect(() => substitute('x{job=~"$job"}', values)).toThrow(/\$job/);
  });

  it('finds empty answers, NaN-only answers and ratios stuck at 100 %', () => {
    const ratio = { unit: 'percentunit' };
    expect(problemsWith(ratio, [])).toEqual(['returns no series']);
    expect(problemsWith(ratio, [sample('NaN')])).toEqual(['returns only NaN or infinite values']);
    // What the old error-ratio panel (outcome!="success" against outcome="ok") answered on a healthy system.
    expect(problemsWith(ratio, [sample('1'), sample('1')])[0]).toMatch(/100 %/);
    expect(problemsWith(ratio, [sample('1'), sample('0.02'), sample('NaN')])).toEqual([]);
    // A count of 1 is no ratio.
    expect(problemsWith({ unit: 'short' }, [sample('1')])).toEqual([]);
  });
});
