/**
 * `isPlainJson`: exactly the values a journal round trip keeps as they are,
 * so the session API can refuse the rest up front.
 */
import { describe, expect, it } from 'vitest';
import { isPlainJson, isPlainJsonObject, plainJsonProblem } from '../src/journal/index.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('isPlainJson', () => {
  it.each([
    ['null', null],
    ['a string', 'fix the build'],
    ['numbers', [0, -1.5, 1e300, Number.MAX_SAFE_INTEGER]],
    ['booleans', [true, false]],
    ['a nested plain object', { task: 'fix', tries: [1, 2, { deep: [null, 'x'] }], done: false }],
    ['an object without prototype', Object.assign(Object.create(null), { a: 1 })],
    ['an empty object and array', { a: {}, b: [] }],
    [
      'a shared (not cyclic) reference',
      (() => {
        const shared = { n: 1 };
        return { a: shared, b: shared };
      })(),
    ],
  ])('accepts %s, and it round-trips unchanged', (_, value) => {
    expect(isPlainJson(value)).toBe(true);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  });

  it('accepts an undefined object property: it vanishes, as every journal field does', () => {
    expect(isPlainJson({ a: 1, note: undefined })).toBe(true);
  });

  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = { back: cyclic };
  const sparse: unknown[] = [1];
  sparse[2] = 3; // index 1 is a hole
  const withExtraKey = Object.assign([1, 2], { extra: true });
  const withSymbol = { a: 1, [Symbol('s')]: 2 };
  const withGetter = {
    get now() {
      return Date.now();
    },
  };

  it.each([
    ['a Date', { when: new Date(0) }, 'metadata.when is a Date (JSON turns it into a string)'],
    ['NaN', { ratio: Number.NaN }, 'metadata.ratio is NaN (JSON turns it into null)'],
    ['Infinity', [Number.POSITIVE_INFINITY], 'metadata[0] is Infinity (JSON turns it into null)'],
    ['a BigInt', { big: 10n }, 'metadata.big is a BigInt (JSON cannot hold it)'],
    ['a function', { run: () => 1 }, 'metadata.run is a function (JSON drops it)'],
    ['a symbol', { s: Symbol('x') }, 'metadata.s is a symbol (JSON drops it)'],
    [
      'undefined in an array',
      { list: [1, undefined] },
      'metadata.list[1] is undefined (JSON turns it into null)',
    ],
    [
      'an array hole',
      { list: sparse },
      'metadata.list has holes or non-index keys (JSON turns holes into null and drops the keys)',
    ],
    [
      'an array with an extra key',
      withExtraKey,
      'metadata has holes or non-index keys (JSON turns holes into null and drops the keys)',
    ],
    ['a class instance', { at: new Point(1, 2) }, 'metadata.at is a Point, not a plain object'],
    ['a Map', { m: new Map() }, 'metadata.m is a Map, not a plain object'],
    [
      'an object with toJSON',
      { v: { toJSON: () => 'x' } },
      'metadata.v has a toJSON method (JSON would store its result instead)',
    ],
    ['a cycle', cyclic, 'metadata.self.back refers back to itself (a cycle)'],
    ['symbol keys', withSymbol, 'metadata has symbol keys (JSON drops them)'],
    ['a getter', withGetter, 'metadata.now is a getter, not a value'],
    ['undefined at the top', undefined, 'metadata is undefined'],
    [
      'an odd key, named so it can be found',
      { 'a b': [Number.NaN] },
      'metadata["a b"][0] is NaN (JSON turns it into null)',
    ],
  ])('refuses %s, saying where', (_, value, problem) => {
    expect(isPlainJson(value)).toBe(false);
    expect(plainJsonProblem(value, 'metadata')).toBe(problem);
  });

  it('refuses a structure too deep for the stack instead of throwing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(plainJsonProblem(deep, 'metadata')).toBe('metadata is nested too deeply');
  });

  it('isPlainJsonObject: plain JSON with an object at the top', () => {
    expect(isPlainJsonObject({ a: [1] })).toBe(true);
    expect(isPlainJsonObject([1])).toBe(false);
    expect(isPlainJsonObject(null)).toBe(false);
    expect(isPlainJsonObject('text')).toBe(false);
    expect(isPlainJsonObject({ when: new Date() })).toBe(false);
  });
});
