import semver from 'semver';

const rangeCache = new Map<string, semver.Range | null>();
const versionCache = new Map<string, semver.SemVer | null>();
const CACHE_LIMIT = 10_000;

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * Parses a provider version leniently ("2", "1.5" and "v1.2.3" are accepted as 2.0.0, 1.5.0, 1.2.3),
 * as agents in the wild publish short versions. Cached: the same few strings recur on every resolution.
 */
export function parseVersion(version: string): semver.SemVer | null {
  const cached = versionCache.get(version);
  if (cached !== undefined) return cached;
  const parsed =
    semver.parse(version, { loose: true }) ?? semver.coerce(version, { includePrerelease: true });
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

/** True when `version` satisfies `constraint`; an empty constraint accepts anything, a malformed one nothing. */
export function satisfiesVersion(version: string, constraint: string): boolean {
  const trimmed = constraint.trim();
  if (trimmed === '' || trimmed === '*') return true;
  const parsed = parseVersion(version);
  const range = parseRange(trimmed);
  if (parsed === null || range === null) return false;
  return range.test(parsed);
}

/** Orders versions highest first; unparseable versions sort last. */
export function compareVersionsDesc(a: string, b: string): number {
  if (a === b) return 0;
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa === null) return pb === null ? 0 : 1;
  if (pb === null) return -1;
  return pb.compare(pa);
}
