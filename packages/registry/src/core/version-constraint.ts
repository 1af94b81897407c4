import type semver from 'semver';

/**
 * Version constraints with the official MCP Mesh registry's semantics (it uses Go's Masterminds semver v3),
 * which differ from npm's: `!=` exists, a partial version is a wildcard at the missing level (`!=1.2`
 * excludes every 1.2.x, `<=1.2` accepts 1.2.9), and a prerelease version passes an AND group only when one
 * of the group's comparators names a prerelease, whatever its major.minor.patch (npm asks for the same
 * tuple). Each rule is checked against the official binary (official-semantics.test.ts).
 */

/** A compiled constraint: `||`-separated groups of comparators that must all hold. */
export interface Constraint {
  test(version: semver.SemVer): boolean;
}

type Operator = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Comparator {
  readonly operator: Operator;
  /** The version compared with; wildcards and missing parts read as 0. */
  readonly version: semver.SemVer;
  /** Some part was a wildcard or missing (`1.2`, `1.x`, `*`). */
  readonly partial: boolean;
  /** Minor (and so patch) was a wildcard or missing: `1`, `1.x`. */
  readonly anyMinor: boolean;
  /** Only patch was a wildcard or missing: `1.2`, `1.2.x`. */
  readonly anyPatch: boolean;
}

/** Longest first, so an alternation never stops at a prefix (`>` of `>=`). */
const OPERATOR = String.raw`!=|>=|=>|<=|=<|~>|>|<|=|~|\^`;
const PART = '[0-9xX*]+';
const IDENTIFIERS = String.raw`[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*`;
const VERSION = String.raw`v?(${PART})(\.${PART})?(\.${PART})?(-${IDENTIFIERS})?(\+${IDENTIFIERS})?`;
const PLAIN_VERSION = VERSION.replace(/\((?!\?)/g, '(?:');
const COMPARATOR = new RegExp(String.raw`^\s*(${OPERATOR})?\s*(${VERSION})\s*$`);
const COMPARATORS = new RegExp(String.raw`(?:${OPERATOR})?\s*${PLAIN_VERSION}`, 'g');
const GROUP = new RegExp(
  String.raw`^\s*(?:${OPERATOR})?\s*${PLAIN_VERSION}\s*(?:(?:\s+|,\s*)(?:${OPERATOR})?\s*${PLAIN_VERSION}\s*)*$`,
);
/** `1.0 - 2.0` stands for `>= 1.0, <= 2.0`. */
const HYPHEN_RANGE = new RegExp(String.raw`\s*(${PLAIN_VERSION})\s+-\s+(${PLAIN_VERSION})\s*`, 'g');
/** Longer constraints are refused rather than matched by a regex that could take long on them. */
const MAX_LENGTH = 256;

const isWildcard = (part: string | undefined): boolean => part === 'x' || part === 'X' || part === '*';

function comparator(text: string, parseVersion: (text: string) => semver.SemVer | null): Comparator | null {
  const match = COMPARATOR.exec(text);
  if (match === null) return null;
  const [, operator = '', whole = '', major = '', minorPart, patchPart, prerelease = ''] = match;
  const minor = minorPart?.slice(1);
  const patch = patchPart?.slice(1);
  let spelled = whole;
  let anyMinor = false;
  let anyPatch = false;
  let partial = true;
  if (isWildcard(major)) spelled = `0.0.0${prerelease}`;
  else if (minor === undefined || isWildcard(minor)) {
    anyMinor = true;
    spelled = `${major}.0.0${prerelease}`;
  } else if (patch === undefined || isWildcard(patch)) {
    anyPatch = true;
    spelled = `${major}.${minor}.0${prerelease}`;
  } else partial = false;
  const version = parseVersion(spelled);
  if (version === null) return null;
  return { operator: operator as Operator, version, partial, anyMinor, anyPatch };
}

function tilde(v: semver.SemVer, c: Comparator): boolean {
  if (v.compare(c.version) < 0) return false;
  const zero = c.version.major === 0 && c.version.minor === 0 && c.version.patch === 0;
  if (zero && !c.anyMinor && !c.anyPatch) return true;
  if (v.major !== c.version.major) return false;
  return v.minor === c.version.minor || c.anyMinor;
}

function notEqual(v: semver.SemVer, c: Comparator): boolean {
  const w = c.version;
  if (c.partial) {
    if (v.major !== w.major) return true;
    if (c.anyMinor) return false;
    if (v.minor !== w.minor) return true;
    if (c.anyPatch) return (v.prerelease.length > 0 || w.prerelease.length > 0) && v.comparePre(w) !== 0;
    if (v.patch !== w.patch) return true;
  }
  return v.compare(w) !== 0;
}

function greater(v: semver.SemVer, c: Comparator): boolean {
  const w = c.version;
  if (c.partial) {
    // `>1` wants 2.0.0 or above, `>1.2` wants 1.3.0 or above.
    if (v.major !== w.major) return v.major > w.major;
    if (c.anyMinor) return false;
    if (c.anyPatch) return v.minor > w.minor;
  }
  return v.compare(w) > 0;
}

function lessOrEqual(v: semver.SemVer, c: Comparator): boolean {
  const w = c.version;
  if (!c.partial) return v.compare(w) <= 0;
  if (v.major > w.major) return false;
  return !(v.major === w.major && v.minor > w.minor && !c.anyMinor);
}

function caret(v: semver.SemVer, c: Comparator): boolean {
  const w = c.version;
  if (v.compare(w) < 0) return false;
  if (w.major > 0 || c.anyMinor) return v.major === w.major;
  if (v.major > 0) return false;
  if (w.minor > 0 || c.anyPatch) return v.minor === w.minor;
  if (v.minor > 0) return false;
  return v.patch === w.patch;
}

function holds(v: semver.SemVer, c: Comparator): boolean {
  switch (c.operator) {
    case '':
    case '=':
      return c.partial ? tilde(v, c) : v.compare(c.version) === 0;
    case '!=':
      return notEqual(v, c);
    case '>':
      return greater(v, c);
    case '<':
      return v.compare(c.version) < 0;
    case '>=':
    case '=>':
      return v.compare(c.version) >= 0;
    case '<=':
    case '=<':
      return lessOrEqual(v, c);
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
  }
}

/** All comparators hold; a prerelease only where the group itself names one. */
function groupHolds(v: semver.SemVer, group: readonly Comparator[]): boolean {
  if (v.prerelease.length > 0 && !group.some((c) => c.version.prerelease.length > 0)) return false;
  return group.every((c) => holds(v, c));
}

/** Compiles a constraint, or null when it is not one (the caller then compares strings). */
export function parseConstraint(
  text: string,
  parseVersion: (text: string) => semver.SemVer | null,
): Constraint | null {
  if (text.length > MAX_LENGTH) return null;
  const rewritten = text.replace(HYPHEN_RANGE, (_range, from: string, to: string) => `>= ${from}, <= ${to}`);
  const groups: Comparator[][] = [];
  for (const segment of rewritten.split('||')) {
    if (!GROUP.test(segment)) return null;
    const group: Comparator[] = [];
    for (const [found] of segment.matchAll(COMPARATORS)) {
      const parsed = comparator(found, parseVersion);
      if (parsed === null) return null;
      group.push(parsed);
    }
    groups.push(group);
  }
  return { test: (version) => groups.some((group) => groupHolds(version, group)) };
}
