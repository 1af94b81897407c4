import { describe, expect, it } from 'vitest';
import { compareVersionsDesc, parseVersion, satisfiesVersion } from './semver.js';
import { VERSION_CASES } from './version-cases.js';

describe('parseVersion', () => {
  it.each([
    ['1.2.3', '1.2.3'],
    ['v1.2.3', '1.2.3'],
    ['2', '2.0.0'],
    ['1.5', '1.5.0'],
    ['1.0.0-beta.1+build.5', '1.0.0-beta.1'],
    ['01.2.3', '1.2.3'],
  ])('reads %s as %s when it fits the official grammar', (text, version) => {
    expect(parseVersion(text)?.version).toBe(version);
  });

  it.each(['', 'latest', '1.2.3.4', 'build-7', 'version 1.2.3', '1.2.3-01'])(
    'treats %j as not semver',
    (text) => {
      expect(parseVersion(text)).toBeNull();
    },
  );
});

describe('satisfiesVersion', () => {
  it('accepts any version when the constraint is empty, and only then (blank is not empty)', () => {
    expect(satisfiesVersion('latest', '')).toBe(true);
    expect(satisfiesVersion('1.0.0', '  ')).toBe(false);
  });

  it.each(VERSION_CASES)(
    'matches %j against %j as the official registry does (%s)',
    (version, constraint, resolves) => {
      expect(satisfiesVersion(version, constraint)).toBe(resolves);
    },
  );

  it('refuses a constraint longer than 256 characters, matching it by string equality only', () => {
    const long = `>=1.0.0${' '.repeat(300)}`;
    expect(satisfiesVersion('1.0.0', long)).toBe(false);
    expect(satisfiesVersion(long, long)).toBe(true);
  });

  it('applies semver ranges, npm and comma-separated forms', () => {
    expect(satisfiesVersion('1.4.0', '^1.0.0')).toBe(true);
    expect(satisfiesVersion('2.0.0', '^1.0.0')).toBe(false);
    expect(satisfiesVersion('1.4.0', '>=1.0.0, <2.0.0')).toBe(true);
  });

  it('falls back to exact string equality when the constraint is not a range', () => {
    expect(satisfiesVersion('latest', 'latest')).toBe(true);
    expect(satisfiesVersion('stable', 'latest')).toBe(false);
    expect(satisfiesVersion('1.0.0', '>=banana')).toBe(false);
  });

  it('falls back to exact string equality when the version is not semver', () => {
    expect(satisfiesVersion('build-7', 'build-7')).toBe(true);
    expect(satisfiesVersion('build-7', '>=1.0.0')).toBe(false);
    expect(satisfiesVersion('1.2.3.4', '>=1.0.0')).toBe(false);
    expect(satisfiesVersion('', '>=1.0.0')).toBe(false);
  });
});

describe('compareVersionsDesc', () => {
  it('orders semver highest first, above anything that is not semver', () => {
    expect(['1.0.0', 'latest', '2.1.0', 'v1.5'].sort(compareVersionsDesc)).toEqual([
      '2.1.0',
      'v1.5',
      '1.0.0',
      'latest',
    ]);
  });

  it('orders two non-semver versions by their text, the greater first', () => {
    expect(['alpha', 'nightly', 'beta'].sort(compareVersionsDesc)).toEqual(['nightly', 'beta', 'alpha']);
  });
});
