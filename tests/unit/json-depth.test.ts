import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, tooDeepMessage, valueNestsDeeperThan } from '../../src-common/json-depth.js';

const arrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('JSON depth limit (src-common/json-depth.ts)', () => {
  it('counts arrays and objects outside strings, the same on text and on UTF-8 bytes', () => {
    const cases: Array<[string, number, boolean]> = [
      [arrays(64), 64, false],
      [arrays(65), 64, true],
      [`{"a":${arrays(63)}}`, 64, false],
      [`{"a":${arrays(64)}}`, 64, true],
      // Brackets inside strings, with escaped quotes and backslashes, do not count.
      [JSON.stringify({ s: '[[[[{{{{"\\\\"[[[[' }), 2, false],
      [`["\\"", ["é[", [["\\\\"]]]]`, 3, true],
      [`["\\"", ["é[", [["\\\\"]]]]`, 4, false],
      ['"not json at all [[[[', 1, false],
      ['', 1, false],
    ];
    for (const [text, max, expected] of cases) {
      expect({ text, max, deeper: jsonNestsDeeperThan(text, max) }).toEqual({ text, max, deeper: expected });
      expect({ text, max, deeper: jsonNestsDeeperThan(Buffer.from(text, 'utf8'), max) }).toEqual({ text, max, deeper: expected });
    }
    expect(jsonNestsDeeperThan(arrays(1_000_000))).toBe(true);
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(tooDeepMessage()).toBe('The JSON nests arrays and objects more than 64 levels deep; at most 64 are accepted.');
  });

  it('walks values without recursing, stops on cycles and on shared objects past the node budget', () => {
    expect(valueNestsDeeperThan(JSON.parse(arrays(64)), 64)).toBe(false);
    expect(valueNestsDeeperThan(JSON.parse(arrays(65)), 64)).toBe(true);
    expect(valueNestsDeeperThan(JSON.parse(arrays(200_000)), 64)).toBe(true);
    expect(valueNestsDeeperThan('text', 0)).toBe(false);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(valueNestsDeeperThan(cyclic, 64)).toBe(true);
    let shared: unknown = 1;
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    expect(valueNestsDeeperThan(shared, 64, 10_000)).toBe(true);
    expect(valueNestsDeeperThan({ a: [{ b: 1 }, { c: [2] }] }, 4)).toBe(false);
    expect(valueNestsDeeperThan({ a: [{ b: 1 }, { c: [2] }] }, 3)).toBe(true);
  });
});
