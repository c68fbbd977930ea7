import { describe, expect, test } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createSessionManager, type SessionView } from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

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
    // Every snapshot the subscriber saw lists the rows in the same order.
    for (const rows of seen.slice(-5)) expect(rows.map((r) => r.id)).toEqual(order);
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
