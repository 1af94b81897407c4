import type { TagSpec } from './types.js';

/** Points per matched tag; a preferred tag outweighs a required one so `+tag` actually steers the choice. */
export const REQUIRED_TAG_SCORE = 5;
export const PREFERRED_TAG_SCORE = 10;

/** A dependency's tag list compiled once per resolution rather than re-parsed per candidate. */
export interface CompiledTags {
  readonly required: readonly string[];
  readonly preferred: readonly string[];
  readonly excluded: readonly string[];
  /** Each group: at least one alternative must match (alternatives may carry +/-, see matchTags). */
  readonly anyOf: readonly (readonly string[])[];
}

const EMPTY: CompiledTags = { required: [], preferred: [], excluded: [], anyOf: [] };

/** Splits `["db", "+fast", "-legacy", ["py", "ts"]]` into its parts. */
export function compileTags(specs: readonly TagSpec[]): CompiledTags {
  if (specs.length === 0) return EMPTY;
  const required: string[] = [];
  const preferred: string[] = [];
  const excluded: string[] = [];
  const anyOf: string[][] = [];
  for (const spec of specs) {
    if (typeof spec !== 'string') {
      if (spec.length > 0) anyOf.push([...spec]);
      continue;
    }
    if (spec === '' || spec === '+' || spec === '-') continue;
    if (spec.startsWith('+')) preferred.push(spec.slice(1));
    else if (spec.startsWith('-')) excluded.push(spec.slice(1));
    else required.push(spec);
  }
  return { required, preferred, excluded, anyOf };
}

/**
 * Scores a provider's tags against a dependency's: -1 when it does not qualify (a required tag missing,
 * an excluded tag present, no alternative of an OR group present), otherwise the preference score.
 * In an OR group a plain alternative counts as a required match and a `+alt` one scores as preferred; a `-alt`
 * is never a match and, as in the official registry, disqualifies a provider that carries it.
 */
export function matchTags(providerTags: readonly string[], wanted: CompiledTags): number {
  let score = 0;
  for (const tag of wanted.excluded) if (providerTags.includes(tag)) return -1;
  for (const tag of wanted.required) {
    if (!providerTags.includes(tag)) return -1;
    score += REQUIRED_TAG_SCORE;
  }
  for (const group of wanted.anyOf) {
    let best = -1;
    for (const alternative of group) {
      if (alternative.startsWith('-')) {
        const excluded = alternative.slice(1);
        if (excluded !== '' && providerTags.includes(excluded)) return -1;
        continue;
      }
      const preferred = alternative.startsWith('+');
      const tag = preferred ? alternative.slice(1) : alternative;
      if (tag !== '' && providerTags.includes(tag))
        best = Math.max(best, preferred ? PREFERRED_TAG_SCORE : REQUIRED_TAG_SCORE);
    }
    if (best < 0) return -1;
    score += best;
  }
  for (const tag of wanted.preferred) if (providerTags.includes(tag)) score += PREFERRED_TAG_SCORE;
  return score;
}
