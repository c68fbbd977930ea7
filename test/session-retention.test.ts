import { describe, expect, test } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createMemoryJournal, createSessionManager, type SessionSpec } from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

const quickSession = (id: string): SessionSpec => ({
  id,
  autoShutdown: 'any_significant',
  children: workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
});

describe('retainEnded and history', () => {
  test('only the newest retainEnded ended sessions stay in memory; live ones always do', async () => {
    const clock = new SimulatedClock();
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, clock, retainEnded: 2 });
    manager.createSession(quickSession('live'));
    for (const id of ['e1', 'e2', 'e3', 'e4']) {
      clock.increment(10);
      const session = manager.createSession(quickSession(id));
      await manager.send(id, 'agent', { type: 'FINISH' });
      await session.done;
    }
    expect(manager.listSessions().map((view) => [view.id, view.state])).toEqual([
      ['live', 'running'],
      ['e3', 'completed'],
      ['e4', 'completed'],
    ]);
    expect(manager.getSession('e1')).toBeUndefined();
    // Retired ids still count as used, and their record is read back from the journal.
    expect(() => manager.createSession(quickSession('e1'))).toThrow(
      expect.objectContaining({ code: 'duplicate_id' }),
    );
    expect(await manager.terminateSession('e1')).toMatchObject({
      sessionId: 'e1',
      outcome: 'completed',
      createdAt: 10,
    });
    await manager.stop();
  });

  test('history: ended sessions from the journal, newest end first, paged with limit and before', async () => {
    const clock = new SimulatedClock();
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, clock, retainEnded: 1 });
    for (const id of ['h1', 'h2', 'h3']) {
      clock.increment(10);
      const session = manager.createSession(quickSession(id));
      clock.increment(5);
      await manager.send(id, 'agent', { type: 'FINISH' });
      await session.done;
    }
    manager.createSession(quickSession('running'));
    const all = await manager.history();
    expect(all.map((view) => [view.id, view.state, view.endedAt])).toEqual([
      ['h3', 'completed', 45],
      ['h2', 'completed', 30],
      ['h1', 'completed', 15],
    ]);
    const firstPage = await manager.history({ limit: 2 });
    expect(firstPage.map((view) => view.id)).toEqual(['h3', 'h2']);
    const nextPage = await manager.history({ limit: 2, before: firstPage[1]!.endedAt });
    expect(nextPage.map((view) => view.id)).toEqual(['h1']);
    await manager.stop();
  });

  test('a bad history query rejects invalid_option, naming what is wrong', async () => {
    const manager = await createSessionManager();
    const bad: [unknown, RegExp][] = [
      [null, /history: query must be an object .* got null\./],
      [[], /history: query must be an object/],
      [{ limit: -1 }, /history: limit must be an integer >= 0; got -1\./],
      [{ limit: 1.5 }, /limit must be an integer/],
      [{ limit: '10' }, /limit must be an integer >= 0; got "10"\./],
      [{ before: 'yesterday' }, /history: before must be an endedAt/],
      [{ before: Number.NaN }, /before .* got NaN\./],
    ];
    for (const [query, message] of bad) {
      await expect(manager.history(query as never)).rejects.toMatchObject({
        code: 'invalid_option',
        message: expect.stringMatching(message),
      });
    }
    expect(await manager.history({ limit: 0 })).toEqual([]);
    await manager.stop();
  });

  test('retainEnded 0 keeps no ended session in memory', async () => {
    const manager = await createSessionManager({ retainEnded: 0 });
    const session = manager.createSession(quickSession('gone'));
    await manager.send('gone', 'agent', { type: 'FINISH' });
    await session.done;
    expect(manager.listSessions()).toEqual([]);
    expect((await manager.history()).map((view) => view.id)).toEqual(['gone']);
    await manager.stop();
  });
});

describe('history from a file journal', () => {
  test('reads back sessions of an earlier run, after reconciliation', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'xotp-history-'));
    try {
      const path = join(dir, 'journal.jsonl');
      const first = await createSessionManager({ journal: path, retainEnded: 0 });
      const session = first.createSession(quickSession('old'));
      await first.send('old', 'agent', { type: 'FINISH' });
      await session.done;
      first.createSession(quickSession('cut'));
      await first.stop();
      const second = await createSessionManager({ journal: path, retainEnded: 0 });
      expect((await second.history()).map((view) => [view.id, view.outcome])).toEqual([
        ['cut', 'cancelled'],
        ['old', 'completed'],
      ]);
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
