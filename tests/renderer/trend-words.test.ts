import { describe, expect, it } from 'vitest';
import { trend } from '../../src-common/coaching-contract';
import { TREND_WORDS, trendWord } from '../../src-common/format';
import { directionWords } from '../../src-renderer/coaching-words';

describe('a trend’s direction', () => {
  it('is one word on every surface: the API’s value, the CLI’s tables, the app’s pages (stable, never "steady" in one place and "stable" in another)', () => {
    const values = trend.shape.direction.unwrap().options;
    expect(Object.keys(TREND_WORDS)).toEqual(values);
    for (const value of values) {
      expect(trendWord(value, '—')).toBe(value);
      expect(directionWords(value)).toBe(value);
    }
    expect(directionWords('stable')).toBe('stable');
    expect(trendWord(null, '—')).toBe('—');
    expect(directionWords(null)).toBe('not known yet');
  });
});
