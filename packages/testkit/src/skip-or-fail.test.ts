import { describe, expect, it } from 'vitest';
import { skipOrFailInCi } from './skip-or-fail.js';

const missing = { tests: 'widget tests', reason: 'WIDGET_URL is not set', fix: 'start a widget' };

describe('skipOrFailInCi', () => {
  it('throws naming the reason, the tests and the fix when CI=true', () => {
    expect(() => skipOrFailInCi(missing, { CI: 'true' }, () => {})).toThrow(
      'WIDGET_URL is not set: CI must not skip widget tests (start a widget)',
    );
  });

  it('writes one line saying what skips and why, once per kind of test, when not in CI', () => {
    const lines: string[] = [];
    skipOrFailInCi(missing, {}, (line) => lines.push(line));
    skipOrFailInCi(missing, { CI: 'false' }, (line) => lines.push(line));
    expect(lines).toEqual(['skipping widget tests: WIDGET_URL is not set (start a widget)\n']);
  });
});
