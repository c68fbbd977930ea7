/**
 * A session is one actor: the session's supervisor, registered as
 * `session_supervisor:<id>`, carrying the lifecycle and supervising the
 * spec's children directly (no session machine above a supervisor).
 */
import { describe, expect, test } from 'vitest';
import { createMachine, type InspectionEvent } from 'xstate';
import {
  countChildren,
  createSessionManager,
  sessionSupervisorKey,
  supervisionTree,
  whichChildren,
} from '../src/index.js';

const waiting = createMachine({
  initial: 'working',
  states: { working: { on: { finish: 'done' } }, done: { type: 'final' } },
});

describe('one actor per session', () => {
  test('session.ref is the registered supervisor; its children are its own', async () => {
    const manager = await createSessionManager();
    const session = manager.createSession({
      id: 'one',
      autoShutdown: 'any_significant',
      children: [{ id: 'agent', logic: waiting, restart: 'transient', significant: true }],
    });
    expect(manager.findSupervisor('one')).toBe(session.ref);
    expect(manager.registry.lookup(sessionSupervisorKey('one'))).toBe(session.ref);
    expect(whichChildren(session.ref).map((child) => [child.id, child.status])).toEqual([
      ['agent', 'running'],
    ]);
    expect(whichChildren(session.ref)[0]!.ref).toBe(manager.getChild('one', 'agent'));
    expect(countChildren(session.ref)).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    const [node] = supervisionTree(manager).children;
    expect(node).toMatchObject({ id: 'one', key: sessionSupervisorKey('one') });
    expect(node!.children.map((child) => child.id)).toEqual(['agent']);

    await manager.send('one', 'agent', { type: 'finish' });
    const record = await session.done;
    expect(record).toMatchObject({ outcome: 'completed', restarts: 0 });
    expect(session.ref.getSnapshot()).toMatchObject({ status: 'done', value: 'completed' });
    expect(manager.registry.lookup(sessionSupervisorKey('one'))).toBeUndefined();
    await manager.stop();
  });

  test('the actor system holds the root, one actor per session and its children: nothing else', async () => {
    const created: string[] = [];
    const manager = await createSessionManager({
      inspect: (event: InspectionEvent) => {
        if (event.type === '@xstate.actor')
          created.push((event.actorRef as unknown as { id: string }).id);
      },
    });
    const session = manager.createSession({
      id: 'counted',
      children: [
        { id: 'a', logic: waiting },
        { id: 'b', logic: waiting },
      ],
    });
    expect(created.slice(1)).toEqual(['counted', 'a', 'b']);
    await manager.terminateSession('counted');
    expect((await session.done).outcome).toBe('cancelled');
    await manager.stop();
  });

  test('its statechart shows the lifecycle and the supervision in one state value', async () => {
    const manager = await createSessionManager();
    const session = manager.createSession({
      id: 'shape',
      timeoutMs: 60_000,
      children: [{ id: 'agent', logic: waiting }],
    });
    expect(session.ref.getSnapshot().value).toEqual({ running: 'idle' });
    expect(session.ref.getSnapshot().hasTag('running')).toBe(true);
    await manager.stop();
    expect(session.ref.getSnapshot()).toMatchObject({ status: 'done', value: 'cancelled' });
  });
});
