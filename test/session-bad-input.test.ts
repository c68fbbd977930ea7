import { describe, expect, test } from 'vitest';
import { fromCallback } from 'xstate';
import { errorMessage } from '../src/ground/errorMessage.js';
import { shown } from '../src/ground/shown.js';
import {
  createMemoryJournal,
  createSessionManager,
  OtpError,
  SessionError,
  SupervisorError,
} from '../src/index.js';
import { worker, workerSpecs } from './helpers/workers.js';

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OtpError);
    return (error as OtpError).code;
  }
  return undefined;
}

describe('bad input to the session manager: typed errors, nothing written', () => {
  test.each([
    ['path traversal', '../x'],
    ['empty', ''],
    ['too long', 'x'.repeat(65)],
    ['a slash', 'a/b'],
    ['a space', 'a b'],
    ['not a string', 42],
  ])('invalid id: %s', async (_, id) => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    expect(await codeOf(() => manager.createSession({ id: id as string, children: [] }))).toBe(
      'invalid_id',
    );
    expect(await codeOf(() => manager.terminateSession(id as string))).toBe('invalid_id');
    expect(journal.records()).toEqual([]);
    expect(manager.listSessions()).toEqual([]);
    await manager.stop();
  });

  test('a 64-character id is fine', async () => {
    const manager = await createSessionManager();
    const id = 'a'.repeat(64);
    expect(manager.createSession({ id, children: [] }).id).toBe(id);
    await manager.stop();
  });

  test('duplicate ids: live, ended, and already in the journal from an earlier run', async () => {
    const journal = createMemoryJournal([
      { type: 'created', sessionId: 'old', at: 1 },
      {
        type: 'terminal',
        sessionId: 'old',
        at: 2,
        outcome: 'completed',
        createdAt: 1,
        endedAt: 2,
        restarts: 0,
      },
    ]);
    const manager = await createSessionManager({ journal });
    manager.createSession({ id: 'live', children: workerSpecs(['w'], []) });
    const before = journal.records().length;
    expect(await codeOf(() => manager.createSession({ id: 'live', children: [] }))).toBe(
      'duplicate_id',
    );
    expect(await codeOf(() => manager.createSession({ id: 'old', children: [] }))).toBe(
      'duplicate_id',
    );
    await manager.terminateSession('live');
    expect(await codeOf(() => manager.createSession({ id: 'live', children: [] }))).toBe(
      'duplicate_id',
    );
    expect(
      journal.records().filter((r) => r.sessionId === 'live' && r.type === 'created'),
    ).toHaveLength(1);
    expect(journal.records().length).toBeGreaterThanOrEqual(before);
    await manager.stop();
  });

  test('terminateSession with a reason that is not a string rejects invalid_option; the session runs on', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    manager.createSession({ id: 'r', children: workerSpecs(['w'], []) });
    for (const reason of [42, {}, 1n, null]) {
      await expect(manager.terminateSession('r', reason as never)).rejects.toMatchObject({
        code: 'invalid_option',
        message: expect.stringMatching(/reason must be a string/),
      });
    }
    expect(manager.getSession('r')).toMatchObject({ state: 'running' });
    expect(await manager.terminateSession('r', 'done here')).toMatchObject({
      outcome: 'cancelled',
      reason: 'done here',
    });
    await manager.stop();
  });

  test('unknown ids: terminateSession rejects not_found; lookups are undefined', async () => {
    const manager = await createSessionManager();
    expect(await codeOf(() => manager.terminateSession('nope'))).toBe('not_found');
    expect(manager.getSession('nope')).toBeUndefined();
    expect(manager.findSupervisor('nope')).toBeUndefined();
    expect(manager.getChild('nope', 'x')).toBeUndefined();
    await manager.stop();
  });

  test('calls after stop(): createSession throws stopped; ended sessions still answer', async () => {
    const manager = await createSessionManager();
    const session = manager.createSession({ id: 'a', children: workerSpecs(['w'], []) });
    await manager.stop();
    expect((await session.done).outcome).toBe('cancelled');
    try {
      manager.createSession({ id: 'b', children: [] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SessionError);
      expect((error as SessionError).code).toBe('stopped');
    }
    expect((await manager.terminateSession('a')).outcome).toBe('cancelled');
    await manager.stop();
  });

  test.each([
    ['duplicate child ids', { children: [...workerSpecs(['a'], []), ...workerSpecs(['a'], [])] }],
    ['child without logic', { children: [{ id: 'a' }] }],
    ['children not an array', { children: 'a' }],
    ['negative intensity', { intensity: -1, children: [] }],
    ['zero period', { period: 0, children: [] }],
    [
      'significant permanent',
      { autoShutdown: 'any_significant', children: workerSpecs(['a'], [], { significant: true }) },
    ],
    ['negative timeout', { timeoutMs: -5, children: [] }],
    ['metadata not an object', { metadata: 'x', children: [] }],
    ['metadata not serialisable', { metadata: { n: 10n }, children: [] }],
  ])('invalid spec: %s', async (_, spec) => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    try {
      manager.createSession({ id: 's', ...(spec as object) } as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SupervisorError);
      expect((error as SupervisorError).code).toBe('invalid_spec');
      expect((error as Error).message).toContain('Session "s"');
    }
    expect(journal.records()).toEqual([]);
    expect(manager.listSessions()).toEqual([]);
    expect(manager.registry.keys()).toEqual([]);
    await manager.stop();
  });

  test('maxSessions: past it, max_children and nothing written', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, maxSessions: 1 });
    manager.createSession({
      id: 'a',
      children: [{ id: 'w', logic: worker, input: { name: 'w', log: [] } }],
    });
    const before = journal.records().length;
    expect(await codeOf(() => manager.createSession({ id: 'b', children: [] }))).toBe(
      'max_children',
    );
    expect(journal.records().length).toBe(before);
    await manager.terminateSession('a');
    expect(manager.createSession({ id: 'c', children: [] }).id).toBe('c');
    await manager.stop();
  });
});

describe('metadata the journal could not hold is refused when the session is created', () => {
  class Task {
    title = 'x';
  }
  test.each([
    ['a Date', new Date(0)],
    ['an object with toJSON', { toJSON: () => 'flattened' }],
    ['a class instance', new Task()],
    ['NaN inside', { score: Number.NaN }],
    ['a Date inside', { at: new Date(0) }],
    ['undefined in an array', { list: [1, undefined] }],
    ['an array', []],
  ])('%s', async (_, metadata) => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    expect(() =>
      manager.createSession({ id: 's', metadata: metadata as never, children: [] }),
    ).toThrow(
      expect.objectContaining({ code: 'invalid_spec', message: expect.stringMatching(/metadata/) }),
    );
    expect(journal.records()).toEqual([]);
    expect(manager.listSessions()).toEqual([]);
    await manager.stop();
  });

  test('plain JSON metadata round-trips: done resolves and a reopen finds the session completed', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    const metadata = { title: 'fix <b>', tags: ['a', 1, true, null], nested: { n: 1.5 } };
    const session = manager.createSession({ id: 'ok', metadata, children: [] });
    await manager.terminateSession('ok');
    expect((await session.done).metadata).toEqual(metadata);
    await manager.stop();
    const again = await createSessionManager({ journal });
    expect(again.getSession('ok')).toMatchObject({ state: 'cancelled', metadata });
    await again.stop();
  });
});

describe('a child that throws what String() cannot convert', () => {
  test('errorMessage never throws: objects without a prototype, message getters that throw', () => {
    const bare = Object.assign(Object.create(null), { why: 'no prototype' });
    const trap = new Error('hidden');
    Object.defineProperty(trap, 'message', {
      get() {
        throw new Error('getter');
      },
    });
    const cyclic = Object.create(null);
    cyclic.self = cyclic;
    expect(errorMessage(bare)).toBe('{"why":"no prototype"}');
    expect(errorMessage(trap)).toBe('{}');
    expect(errorMessage(cyclic)).toBe('a thrown object that cannot be shown as text');
    expect(errorMessage(new Error('disk full'))).toBe('disk full');
    expect(errorMessage(Symbol('s'))).toBe('Symbol(s)');
  });

  test('its session fails with a reason, recorded once, and the manager goes on', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    const thrown = Object.assign(Object.create(null), { why: 'no prototype' });
    const failing = fromCallback(() => {
      throw thrown;
    });
    const session = manager.createSession({
      id: 'odd',
      children: [{ id: 'c', logic: failing }],
    });
    const record = await session.done;
    expect(record).toMatchObject({ outcome: 'failed' });
    expect(record.reason).toContain('Child "c" failed to start: {"why":"no prototype"}');
    expect(journal.records().filter((r) => r.type === 'terminal')).toEqual([
      expect.objectContaining({ sessionId: 'odd', reason: record.reason }),
    ]);
    const next = manager.createSession({ children: workerSpecs(['a'], []) });
    expect(manager.getSession(next.id)).toMatchObject({ state: 'running' });
    await manager.stop();
  });
});

describe('error messages show any bad value, never fail to build', () => {
  test('shown: what JSON cannot say (NaN, bigints, cycles, functions, symbols), and long values cut', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(shown('x')).toBe('"x"');
    expect(shown(NaN)).toBe('NaN');
    expect(shown(undefined)).toBe('undefined');
    expect(shown(1n)).toBe('1n');
    expect(shown({ a: [1n] })).toBe('an object');
    expect(shown(cyclic)).toBe('an object');
    expect(shown(() => 1)).toBe('a function');
    expect(shown(Symbol('s'))).toBe('Symbol(s)');
    expect(shown({ a: 1 })).toBe('{"a":1}');
    expect(shown('y'.repeat(1000))).toBe(`"${'y'.repeat(199)}…`);
  });

  test.each([
    ['a bigint timeoutMs', { timeoutMs: 1n }, /timeoutMs .* got 1n\./],
    ['a symbol strategy', { strategy: Symbol('s') }, /strategy .* got Symbol\(s\)\./],
    [
      'a cyclic intensity',
      {
        intensity: (() => {
          const c: Record<string, unknown> = {};
          c.c = c;
          return c;
        })(),
      },
      /intensity .* got an object\./,
    ],
  ])('%s is a typed error that names it', async (_, bad, message) => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    expect(() => manager.createSession({ children: [], ...(bad as object) })).toThrow(
      expect.objectContaining({
        code: expect.stringMatching(/^invalid_/),
        message: expect.stringMatching(message),
      }),
    );
    expect(journal.records()).toEqual([]);
    await manager.stop();
  });
});
