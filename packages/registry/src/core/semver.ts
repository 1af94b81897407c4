import semver from 'semver';
import { parseConstraint } from './version-constraint.js';
import type { Constraint } from './version-constraint.js';

const constraintCache = new Map<string, Constraint | null>();
const versionCache = new Map<string, semver.SemVer | null>();
const CACHE_LIMIT = 10_000;

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** The official registry's version grammar: an optional `v`, one to three numbers, prerelease, build. */
const VERSION =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * Parses a version as the official registry does: "2", "1.5", "v1.2.3" and "01.2.3" are 2.0.0, 1.5.0, 1.2.3
 * and 1.2.3; anything else ("latest", "1.2.3.4", "build-7", a prerelease number with a leading zero) is not
 * semver and only ever matches a constraint equal to it. Cached: the same few strings recur on every resolution.
 */
export function parseVersion(version: string): semver.SemVer | null {
  const cached = versionCache.get(version);
  if (cached !== undefined) return cached;
  const match = VERSION.exec(version);
  const number = (digits: string | undefined): string => String(Number(digits ?? '0'));
  const parsed =
    match === null
      ? null
      : semver.parse(
          `${number(match[1])}.${number(match[2])}.${number(match[3])}${match[4] ?? ''}${match[5] ?? ''}`,
        );
  return remember(versionCache, version, parsed);
}

function constraintOf(text: string): Constraint | null {
  const cached = constraintCache.get(text);
  if (cached !== undefined) return cached;
  return remember(constraintCache, text, parseConstraint(text, parseVersion));
}

/**
 * True when `version` satisfies `constraint`, with the official registry's semantics (Masterminds semver):
 * an empty constraint accepts anything; `!=`, `~`, `^`, x-ranges, hyphen ranges and `||` work; a prerelease
 * version passes only an AND group that names a prerelease itself. A version that is not semver or a
 * constraint that does not parse falls back to exact string equality (`latest` matches `latest`), so it
 * never matches by accident and never by coercion.
 */
export function satisfiesVersion(version: string, constraint: string): boolean {
  if (constraint === '') return true;
  if (version === '') return false;
  const parsed = parseVersion(version);
  const compiled = parsed === null ? null : constraintOf(constraint);
  if (parsed === null || compiled === null) return version === constraint;
  return compiled.test(parsed);
}

/**
 * Orders versions highest first. Semver sorts above anything else; two non-semver versions order by their
 * text, the greater first (the official registry's rule, so the choice is deterministic either way).
 */
export function compareVersionsDesc(a: string, b: string): number {
  if (a === b) return 0;
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa === null && pb === null) return a > b ? -1 : 1;
  if (pa === null) return 1;
  if (pb === null) return -1;
  return pb.compare(pa);
}
