import { describe, expect, test } from 'vitest';
import { createSessionIndex } from '../src/manager/sessionIndex.js';
import type { SessionView } from '../src/session/view.js';

const view = (id: string, createdAt: number, ended = false): SessionView => ({
  id,
  state: ended ? 'completed' : 'running',
  createdAt,
  restarts: 0,
  children: [],
  ...(ended ? { outcome: 'completed' as const, endedAt: createdAt + 1 } : {}),
});

describe('the session index', () => {
  test('created order (createdAt, then id) holds across retirement and out-of-order arrivals', () => {
    const index = createSessionIndex({ retainEnded: 3 });
    for (let i = 0; i < 50; i++) index.addKnown(view(`e${String(i).padStart(2, '0')}`, i, true));
    // Only the newest three ended sessions stay.
    expect(index.list().map((v) => v.id)).toEqual(['e47', 'e48', 'e49']);
    // Same millisecond, smaller id: goes before; far in the past: goes first.
    index.addKnown(view('a-late', 49));
    index.addKnown(view('old-remote', -5));
    index.addKnown(view('z-late', 49));
    expect(index.list().map((v) => v.id)).toEqual([
      'old-remote',
      'e47',
      'e48',
      'a-late',
      'e49',
      'z-late',
    ]);
    expect(index.isUsed('e00')).toBe(true);
    expect(index.view('e00')).toBeUndefined();
    expect(index.isUsed('never')).toBe(false);
  });

  test('a retired id is never shown again, even if storage reports it later', () => {
    const index = createSessionIndex({ retainEnded: 0 });
    index.addKnown(view('gone', 1, true));
    index.addKnown(view('gone', 1, true));
    expect(index.list()).toEqual([]);
    expect(index.isUsed('gone')).toBe(true);
  });
});
