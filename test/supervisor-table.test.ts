/**
 * The child table's persistent map: every version stays as it was, and it
 * agrees with a plain `Map` over long random runs.
 */
import { describe, expect, test } from 'vitest';
import { PersistentMap } from '../src/supervisor/persistentMap.js';
import { mulberry32 } from './helpers/chaos.js';

describe('PersistentMap', () => {
  test('a change returns a new map and leaves the old one as it was', () => {
    const empty = PersistentMap.empty<number>();
    const one = empty.set('a', 1);
    const two = one.set('b', 2);
    const changed = two.set('a', 10);
    const removed = changed.delete('b');
    expect([empty.size, one.size, two.size, changed.size, removed.size]).toEqual([0, 1, 2, 2, 1]);
    expect([empty.get('a'), one.get('a'), two.get('a'), changed.get('a')]).toEqual([
      undefined,
      1,
      1,
      10,
    ]);
    expect(two.get('b')).toBe(2);
    expect(removed.get('b')).toBeUndefined();
    expect(removed.delete('nope')).toBe(removed);
    expect(two.values().sort()).toEqual([1, 2]);
  });

  test('agrees with a Map over 50,000 random sets and deletes, and old versions never change', () => {
    const random = mulberry32(42);
    const model = new Map<string, number>();
    let map = PersistentMap.empty<number>();
    const checkpoints: Array<{ map: PersistentMap<number>; entries: [string, number][] }> = [];
    for (let i = 0; i < 50_000; i++) {
      const key = `k${Math.floor(random() * 5000)}`;
      if (random() < 0.35) {
        model.delete(key);
        map = map.delete(key);
      } else {
        model.set(key, i);
        map = map.set(key, i);
      }
      if (i % 5000 === 0) checkpoints.push({ map, entries: [...model.entries()] });
    }
    expect(map.size).toBe(model.size);
    for (const [key, value] of model) expect(map.get(key)).toBe(value);
    expect(map.get('k-missing')).toBeUndefined();
    expect(map.values().sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
    for (const checkpoint of checkpoints) {
      expect(checkpoint.map.size).toBe(checkpoint.entries.length);
      for (const [key, value] of checkpoint.entries) expect(checkpoint.map.get(key)).toBe(value);
    }
  });

  test('keys whose hashes collide share a node, and each stays reachable', () => {
    // Found by search: FNV-1a gives each pair the same 32-bit hash.
    const [a, b] = ['c693596', 'c1170850'];
    const [c, d] = ['c693597', 'c1170851'];
    let map = PersistentMap.empty<string>().set(a, 'a').set(b, 'b').set(c, 'c').set(d, 'd');
    map = map.set('other', 'o').set(b, 'B');
    expect([a, b, c, d, 'other'].map((key) => map.get(key))).toEqual(['a', 'B', 'c', 'd', 'o']);
    const without = map.delete(a).delete(d);
    expect([a, b, c, d].map((key) => without.get(key))).toEqual([undefined, 'B', 'c', undefined]);
    expect(without.size).toBe(3);
    expect(map.size).toBe(5);
    expect(without.delete(b).delete(c).delete('other').size).toBe(0);
  });

  test('100,000 keys in and out: empty again at the end', () => {
    let map = PersistentMap.empty<number>();
    for (let i = 0; i < 100_000; i++) map = map.set(`session-${i}`, i);
    expect(map.size).toBe(100_000);
    expect(map.get('session-99999')).toBe(99_999);
    for (let i = 0; i < 100_000; i++) map = map.delete(`session-${i}`);
    expect(map.size).toBe(0);
    expect(map.values()).toEqual([]);
  });
});
