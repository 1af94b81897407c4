import { describe, expect, it } from 'vitest';
import { PREFERRED_TAG_SCORE, REQUIRED_TAG_SCORE, compileTags, matchTags } from './tag-matcher.js';
import type { TagSpec } from './types.js';

function score(providerTags: string[], specs: TagSpec[]): number {
  return matchTags(providerTags, compileTags(specs));
}

describe('matchTags', () => {
  it('scores required and preferred tags, and disqualifies on a missing required or present excluded tag', () => {
    expect(score(['db', 'fast'], ['db', '+fast'])).toBe(REQUIRED_TAG_SCORE + PREFERRED_TAG_SCORE);
    expect(score(['db'], ['db', '+fast'])).toBe(REQUIRED_TAG_SCORE);
    expect(score(['fast'], ['db'])).toBe(-1);
    expect(score(['db', 'legacy'], ['db', '-legacy'])).toBe(-1);
  });

  it('scores an OR group by its best matching alternative', () => {
    expect(score(['py'], [['py', 'ts']])).toBe(REQUIRED_TAG_SCORE);
    expect(score(['py', 'ts'], [['py', '+ts']])).toBe(PREFERRED_TAG_SCORE);
    expect(score(['go'], [['py', 'ts']])).toBe(-1);
  });

  it('rejects a provider carrying a -tag of a nested OR group, whatever else in the group matches', () => {
    expect(score(['py', 'legacy'], [['py', '-legacy']])).toBe(-1);
    expect(score(['py', 'legacy'], ['db', ['+py', '-legacy']])).toBe(-1);
    expect(score(['py'], [['py', '-legacy']])).toBe(REQUIRED_TAG_SCORE);
  });

  it('never counts a -tag as the match an OR group needs', () => {
    expect(score(['other'], [['-legacy']])).toBe(-1);
  });

  it('ignores empty tags and empty groups', () => {
    expect(score(['db'], ['', '+', '-', [], ['', 'db']])).toBe(REQUIRED_TAG_SCORE);
  });
});
