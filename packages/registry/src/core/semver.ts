import semver from 'semver';

const rangeCache = new Map<string, semver.Range | null>();
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
 * Parses a provider version as the official registry does: "2", "1.5" and "v1.2.3" are 2.0.0, 1.5.0 and 1.2.3;
 * anything else ("latest", "1.2.3.4", "build-7") is not semver and only ever matches a constraint equal to it.
 * Cached: the same few strings recur on every resolution.
 */
export function parseVersion(version: string): semver.SemVer | null {
  const cached = versionCache.get(version);
  if (cached !== undefined) return cached;
  const match = VERSION.exec(version);
  const parsed =
    match === null
      ? null
      : semver.parse(`${match[1]}.${match[2] ?? '0'}.${match[3] ?? '0'}${match[4] ?? ''}${match[5] ?? ''}`);
  return remember(versionCache, version, parsed);
}

function parseRange(constraint: string): semver.Range | null {
  const cached = rangeCache.get(constraint);
  if (cached !== undefined) return cached;
  // Accept the comma-separated form (">=1.0, <2.0") other ecosystems use, alongside npm syntax.
  const normalized = constraint.replace(/,/g, ' ');
  let range: semver.Range | null;
  try {
    range = new semver.Range(normalized, { loose: true, includePrerelease: true });
  } catch {
    range = null;
  }
  return remember(rangeCache, constraint, range);
}

/**
 * True when `version` satisfies `constraint`. An empty constraint accepts anything; as in the official
 * registry, a version that is not semver or a constraint that is not a range falls back to exact string
 * equality (`latest` matches `latest`), so it never matches by accident and never by coercion.
 */
export function satisfiesVersion(version: string, constraint: string): boolean {
  const trimmed = constraint.trim();
  if (trimmed === '' || trimmed === '*') return true;
  const parsed = parseVersion(version);
  const range = parseRange(trimmed);
  if (parsed === null || range === null) return version === constraint;
  return range.test(parsed);
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
