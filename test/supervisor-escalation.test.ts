import { describe, expect, test } from 'vitest';
import { createActor, createMachine, fromPromise, setup } from 'xstate';
import {
  countChildren,
  createSupervisor,
  type SupervisorError,
  whichChildren,
} from '../src/index.js';
import { worker, workerSpecs } from './helpers/workers.js';

const refOf = (sup: Parameters<typeof whichChildren>[0], id: string) =>
  whichChildren(sup).find((c) => c.id === id)!.ref!;

describe('escalation and containment', () => {
  test('a failed child supervisor is handled by its parent with its own policy', () => {
    const log: string[] = [];
    const inner = createSupervisor({ intensity: 0, children: workerSpecs(['leaf'], log) });
    const outer = createActor(
      createSupervisor({
        intensity: 5,
        children: [...workerSpecs(['sibling'], log), { id: 'inner', logic: inner }],
      }),
    ).start();
    const before = refOf(outer, 'inner');
    const sibling = refOf(outer, 'sibling');
    refOf(before, 'leaf').send({ type: 'CRASH' });
    expect(before.getSnapshot().status).toBe('error');
    expect((before.getSnapshot() as { error?: SupervisorError }).error?.code).toBe(
      'max_restart_intensity',
    );
    const after = refOf(outer, 'inner');
    expect(after).not.toBe(before);
    expect(after.getSnapshot().status).toBe('active');
    expect(refOf(outer, 'sibling')).toBe(sibling);
    expect(whichChildren(outer).find((c) => c.id === 'inner')!.restarts).toBe(1);
    expect(countChildren(outer)).toEqual({ specs: 2, active: 2, supervisors: 1, workers: 1 });
    expect(log).toEqual(['start:sibling', 'start:leaf', 'stop:leaf', 'start:leaf']);
    outer.stop();
  });

  test('escalation reaches the root as an error observed by its subscriber, never the host', () => {
    const errors: unknown[] = [];
    const inner = createSupervisor({ intensity: 0, children: workerSpecs(['leaf'], []) });
    const outer = createActor(
      createSupervisor({ intensity: 0, children: [{ id: 'inner', logic: inner }] }),
    );
    outer.subscribe({ error: (e) => errors.push(e) });
    outer.start();
    const innerRef = refOf(outer, 'inner');
    refOf(innerRef, 'leaf').send({ type: 'CRASH' });
    expect(outer.getSnapshot().status).toBe('error');
    expect((errors[0] as SupervisorError).code).toBe('max_restart_intensity');
    expect((errors[0] as SupervisorError).childId).toBe('inner');
    expect(innerRef.getSnapshot().status).toBe('error');
  });

  test('a child whose own action throws: restarted, and its children are not left orphaned', () => {
    const grandchildCleanups: string[] = [];
    const withGrandchild = setup({
      actors: {
        held: createMachine({
          invoke: {
            src: fromPromise(
              ({ signal }) =>
                new Promise((resolve) =>
                  signal.addEventListener('abort', () => {
                    grandchildCleanups.push('aborted');
                    resolve(undefined);
                  }),
                ),
            ),
          },
        }),
      },
    }).createMachine({
      invoke: { id: 'held', src: 'held' },
      on: {
        BOOM: {
          actions: () => {
            throw new Error('action threw');
          },
        },
      },
    });
    const sup = createActor(
      createSupervisor({ children: [{ id: 'c', logic: withGrandchild }] }),
    ).start();
    const first = refOf(sup, 'c');
    const grandchild = (
      first.getSnapshot() as { children: Record<string, { getSnapshot(): { status: string } }> }
    ).children.held!;
    first.send({ type: 'BOOM' });
    expect(first.getSnapshot().status).toBe('error');
    expect(refOf(sup, 'c')).not.toBe(first);
    // XState leaves the children of a machine whose own action threw running;
    // the supervisor stops what the failed child left behind.
    expect(grandchild.getSnapshot().status).toBe('stopped');
    sup.stop();
  });

  test('a child that rejects is restarted per policy, then the supervisor fails observably', async () => {
    let starts = 0;
    const rejecting = fromPromise(async () => {
      starts += 1;
      throw new Error('rejected');
    });
    const errors: unknown[] = [];
    const sup = createActor(
      createSupervisor({ intensity: 2, children: [{ id: 'r', logic: rejecting }] }),
    );
    sup.subscribe({ error: (e) => errors.push(e) });
    sup.start();
    await new Promise<void>((resolve) => sup.subscribe({ error: () => resolve() }));
    expect(starts).toBe(3);
    expect((errors[0] as SupervisorError).code).toBe('max_restart_intensity');
  });

  test('a child whose start throws counts as a failed restart toward intensity', () => {
    let failing = false;
    const fragile = createMachine({
      context: () => {
        if (failing) throw new Error('cannot start');
        return {};
      },
      on: {
        CRASH: {
          actions: () => {
            throw new Error('crash');
          },
        },
      },
    });
    const errors: SupervisorError[] = [];
    const sup = createActor(
      createSupervisor({
        intensity: 3,
        children: [{ id: 'f', logic: fragile }, ...workerSpecs(['w'], [])],
      }),
    );
    sup.subscribe({ error: (e) => errors.push(e as SupervisorError) });
    sup.start();
    failing = true;
    refOf(sup, 'f').send({ type: 'CRASH' });
    // 1 crash + 3 failed restart attempts = 4 > intensity 3.
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('max_restart_intensity');
    expect(errors[0]!.message).toContain('cannot start');
    expect(
      whichChildren(sup).every(
        (c) => c.ref === undefined || c.ref.getSnapshot().status !== 'active',
      ),
    ).toBe(true);
  });

  test('an initial child that cannot start fails the supervisor with start_failed, stopping the started ones', () => {
    const log: string[] = [];
    const broken = createMachine({
      context: () => {
        throw new Error('bad init');
      },
    });
    const errors: SupervisorError[] = [];
    const sup = createActor(
      createSupervisor({
        children: [
          ...workerSpecs(['a'], log),
          { id: 'x', logic: broken },
          ...workerSpecs(['b'], log),
        ],
      }),
    );
    sup.subscribe({ error: (e) => errors.push(e as SupervisorError) });
    sup.start();
    expect(errors[0]!.code).toBe('start_failed');
    expect(errors[0]!.childId).toBe('x');
    expect(log).toEqual(['start:a', 'stop:a']);
  });

  test('no unhandled error reaches the host: worker crashes under a supervised tree', () => {
    const sup = createActor(
      createSupervisor({ intensity: 100, children: workerSpecs(['a'], []) }),
    ).start();
    for (let i = 0; i < 20; i++) refOf(sup, 'a').send({ type: 'CRASH' });
    expect(sup.getSnapshot().status).toBe('active');
    sup.stop();
    expect(worker).toBeDefined();
  });
});
