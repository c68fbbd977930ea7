import { describe, expect, test } from 'vitest';
import { createActor } from 'xstate';
import { createSupervisor, terminateChild, whichChildren } from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

const refOf = (sup: Parameters<typeof whichChildren>[0], id: string) =>
  whichChildren(sup).find((c) => c.id === id)!.ref!;

describe('significant children and autoShutdown', () => {
  test('any_significant: a transient significant child exiting normally completes the supervisor', () => {
    const log: string[] = [];
    const sup = createActor(
      createSupervisor({
        autoShutdown: 'any_significant',
        children: [
          ...workerSpecs(['a'], log),
          ...workerSpecs(['s'], log, { restart: 'transient', significant: true }),
        ],
      }),
    ).start();
    refOf(sup, 's').send({ type: 'FINISH' });
    expect(sup.getSnapshot().status).toBe('done');
    expect(sup.getSnapshot().output).toEqual({ reason: 'auto_shutdown', restarts: 0 });
    expect(log).toEqual(['start:a', 'start:s', 'stop:s', 'stop:a']);
  });

  test('any_significant: a transient significant child crashing is restarted instead', () => {
    const sup = createActor(
      createSupervisor({
        autoShutdown: 'any_significant',
        children: workerSpecs(['s'], [], { restart: 'transient', significant: true }),
      }),
    ).start();
    refOf(sup, 's').send({ type: 'CRASH' });
    expect(sup.getSnapshot().status).toBe('active');
    expect(whichChildren(sup)[0]!.restarts).toBe(1);
    sup.stop();
  });

  test('any_significant: a temporary significant child ends it on any exit', () => {
    const sup = createActor(
      createSupervisor({
        autoShutdown: 'any_significant',
        children: workerSpecs(['s'], [], { restart: 'temporary', significant: true }),
      }),
    ).start();
    refOf(sup, 's').send({ type: 'CRASH' });
    expect(sup.getSnapshot().status).toBe('done');
  });

  test('all_significant: only when the last significant child has exited', () => {
    const sup = createActor(
      createSupervisor({
        autoShutdown: 'all_significant',
        children: [
          ...workerSpecs(['s1', 's2'], [], { restart: 'temporary', significant: true }),
          ...workerSpecs(['n'], [], { restart: 'temporary' }),
        ],
      }),
    ).start();
    refOf(sup, 'n').send({ type: 'FINISH' });
    refOf(sup, 's1').send({ type: 'FINISH' });
    expect(sup.getSnapshot().status).toBe('active');
    refOf(sup, 's2').send({ type: 'FINISH' });
    expect(sup.getSnapshot().status).toBe('done');
  });

  test('nonsignificant children never trigger it; terminateChild never triggers it', async () => {
    const sup = createActor(
      createSupervisor({
        autoShutdown: 'any_significant',
        children: [
          ...workerSpecs(['n'], [], { restart: 'temporary' }),
          ...workerSpecs(['s'], [], { restart: 'transient', significant: true }),
        ],
      }),
    ).start();
    refOf(sup, 'n').send({ type: 'FINISH' });
    await terminateChild(sup, 's');
    expect(sup.getSnapshot().status).toBe('active');
    sup.stop();
  });

  test("a nested supervisor's auto-shutdown ends its parent's significant child (significant_escalation)", () => {
    const log: string[] = [];
    const inner = createSupervisor({
      autoShutdown: 'any_significant',
      children: workerSpecs(['leaf'], log, { restart: 'transient', significant: true }),
    });
    const outer = createActor(
      createSupervisor({
        autoShutdown: 'any_significant',
        children: [
          ...workerSpecs(['sibling'], log),
          { id: 'inner', logic: inner, restart: 'transient', significant: true },
        ],
      }),
    ).start();
    const innerRef = refOf(outer, 'inner');
    refOf(innerRef, 'leaf').send({ type: 'FINISH' });
    expect(innerRef.getSnapshot().status).toBe('done');
    expect(outer.getSnapshot().status).toBe('done');
    expect(log).toEqual(['start:sibling', 'start:leaf', 'stop:leaf', 'stop:sibling']);
  });

  test('a nonsignificant nested supervisor completing leaves its parent running', () => {
    const inner = createSupervisor({
      autoShutdown: 'any_significant',
      children: workerSpecs(['leaf'], [], { restart: 'transient', significant: true }),
    });
    const outer = createActor(
      createSupervisor({ children: [{ id: 'inner', logic: inner, restart: 'transient' }] }),
    ).start();
    refOf(refOf(outer, 'inner'), 'leaf').send({ type: 'FINISH' });
    expect(outer.getSnapshot().status).toBe('active');
    expect(whichChildren(outer)[0]!.status).toBe('stopped');
    outer.stop();
  });
});
