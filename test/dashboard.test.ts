import { describe, expect, test } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createMemoryJournal, createSessionManager, type SessionView } from '../src/index.js';
import { collectCallbackWarnings } from './helpers/warnings.js';
import { agentSessionSpec, workerSpecs } from './helpers/workers.js';

describe('dashboard projection', () => {
  test('a subscriber sees every change; rows keep their place when a status changes', async () => {
    const clock = new SimulatedClock();
    const manager = await createSessionManager({ clock });
    const seen: SessionView[][] = [];
    manager.dashboard.subscribe((snapshot) => {
      seen.push(snapshot.context.order.map((id) => snapshot.context.rows.get(id)!));
    });
    for (const id of ['b', 'a', 'c']) {
      clock.increment(1);
      manager.createSession({
        id,
        intensity: 5,
        autoShutdown: 'any_significant',
        children: [
          ...workerSpecs(['helper'], []),
          ...workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
        ],
      });
    }
    const order = manager.listSessions().map((s) => s.id);
    expect(order).toEqual(['b', 'a', 'c']);
    expect(manager.getSession('a')).toMatchObject({
      state: 'running',
      createdAt: 2,
      startedAt: 2,
      restarts: 0,
      children: [
        { id: 'helper', status: 'running' },
        { id: 'agent', status: 'running' },
      ],
    });

    const before = seen.length;
    manager.getChild('a', 'helper')!.send({ type: 'CRASH' });
    expect(seen.length).toBeGreaterThan(before);
    expect(manager.getSession('a')!.restarts).toBe(1);

    clock.increment(10);
    manager.getChild('a', 'agent')!.send({ type: 'FINISH' });
    expect(manager.getSession('a')).toMatchObject({
      state: 'completed',
      outcome: 'completed',
      endedAt: 13,
    });
    // Every snapshot the subscriber saw once all three existed lists the rows
    // in the same order, through the restart and the end of a.
    const withAll = seen.slice(seen.findIndex((rows) => rows.length === 3));
    expect(withAll.length).toBeGreaterThan(2);
    for (const rows of withAll) expect(rows.map((r) => r.id)).toEqual(order);
    expect(manager.listSessions().map((s) => s.id)).toEqual(order);
    // The last view of a is its terminal state; its children ended with it.
    const statesOfA = seen.map((rows) => rows.find((r) => r.id === 'a')?.state).filter(Boolean);
    expect(statesOfA.at(-1)).toBe('completed');
    expect(statesOfA).toContain('running');
    await manager.stop();
  });

  test('selecting one row fires only when that row changes', async () => {
    const manager = await createSessionManager();
    manager.createSession({ id: 'x', children: workerSpecs(['w'], []) });
    manager.createSession({ id: 'y', children: workerSpecs(['w'], []) });
    const states: (string | undefined)[] = [];
    manager.dashboard
      .select((context) => context.rows.get('x'))
      .subscribe((row) => states.push(row?.state));
    await manager.terminateSession('y');
    expect(states).toEqual([]);
    await manager.terminateSession('x');
    expect(states).toContain('cancelled');
    await manager.stop();
  });
});

describe('the dashboard is the manager’s, read-only, and its callbacks cannot hurt it', () => {
  test('a subscriber, a selector and an inspector that throw: sessions run, end and are recorded; other subscribers hear every change', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    const warnings = collectCallbackWarnings();
    manager.dashboard.subscribe(() => {
      throw new Error('subscriber bug');
    });
    manager.dashboard
      .select((context) => {
        if (context.version > 1) throw new Error('selector bug');
        return context.version;
      })
      .subscribe(() => {});
    manager.dashboard.inspect({
      next: () => {
        throw new Error('inspector bug');
      },
    });
    const heard: number[] = [];
    manager.dashboard.subscribe(({ context }) => heard.push(context.version));

    const sessions = ['a', 'b'].map((id) => manager.createSession(agentSessionSpec(id)));
    for (const id of ['a', 'b']) await manager.send(id, 'agent', { type: 'FINISH' });
    const records = await Promise.all(sessions.map((session) => session.done));
    expect(records.map((r) => [r.sessionId, r.outcome])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
    ]);
    expect(journal.records().filter((r) => r.type === 'terminal')).toHaveLength(2);
    expect(manager.listSessions().map((view) => [view.id, view.state])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
    ]);
    // Every change was heard, in order, however the callbacks before it failed.
    const version = manager.dashboard.getSnapshot().context.version;
    expect(heard).toEqual(Array.from({ length: version }, (_, i) => i + 1));
    await manager.stop();
    // One warning per broken callback, however often it threw.
    expect((await warnings.stop()).sort()).toEqual([
      expect.stringMatching(/^A dashboard inspector threw: inspector bug\./),
      expect.stringMatching(/^A dashboard selector threw: selector bug\./),
      expect.stringMatching(/^A dashboard subscriber threw: subscriber bug\./),
    ]);
  });

  test('nothing outside can change the rows; a listener that is not one is invalid_option', async () => {
    const manager = await createSessionManager();
    manager.createSession(agentSessionSpec('a'));
    const dashboard = manager.dashboard as unknown as Record<string, unknown>;
    expect(dashboard.send).toBeUndefined();
    expect(dashboard.trigger).toBeUndefined();
    // The rest of a store's reading surface is there.
    expect(manager.dashboard.sessionId).toEqual(expect.any(String));
    expect(manager.dashboard.getInitialSnapshot().context.version).toBe(0);
    expect(manager.dashboard.get()).toBe(manager.dashboard.getSnapshot());
    expect((dashboard['@@observable'] as () => unknown)()).toBe(manager.dashboard);
    expect(() => manager.dashboard.subscribe(undefined as never)).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
    expect(() => manager.dashboard.subscribe({} as never)).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    );
    expect(() => manager.createSession(agentSessionSpec('a'))).toThrow(
      expect.objectContaining({ code: 'duplicate_id' }),
    );
    await manager.stop();
  });
});
