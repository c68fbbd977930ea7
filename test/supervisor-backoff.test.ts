/**
 * Restart backoff under a SimulatedClock: the delays, the cap, the jitter,
 * the reset after a stable run, and every way a pending restart is given up.
 */
import { describe, expect, test } from 'vitest';
import { type AnyActorRef, createActor, createMachine, SimulatedClock } from 'xstate';
import {
  type ChildChangedEvent,
  type ChildSpec,
  createSupervisor,
  SHUTDOWN_EVENT,
  SupervisorError,
  type SupervisorOptions,
  startChild,
  terminateChild,
  whichChild,
  whichChildren,
} from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

const exact = { minMs: 100, maxMs: 1000, factor: 2, jitter: 0 };

function start(options: SupervisorOptions) {
  const clock = new SimulatedClock();
  const errors: unknown[] = [];
  const sup = createActor(createSupervisor({ intensity: 1000, period: 1000, ...options }), {
    clock,
  });
  sup.subscribe({ error: (error) => errors.push(error) });
  sup.start();
  const changes: ChildChangedEvent[] = [];
  sup.on('child.changed', (event) => changes.push(event));
  return { sup, clock, errors, changes };
}

function crash(sup: AnyActorRef, id: string) {
  whichChild(sup, id)!.ref!.send({ type: 'CRASH' });
}

/** Crashes `id` and returns how long its restart waited (ms on the simulated clock). */
function waitOfNextRestart(sup: AnyActorRef, clock: SimulatedClock, id: string): number {
  const crashedAt = clock.now();
  crash(sup, id);
  const waiting = whichChild(sup, id)!;
  expect(waiting.status).toBe('restarting');
  expect(waiting.ref).toBeUndefined();
  const wait = waiting.nextRestartAt! - crashedAt;
  clock.increment(wait - 1);
  expect(whichChild(sup, id)!.status).toBe('restarting');
  clock.increment(1);
  expect(whichChild(sup, id)!.status).toBe('running');
  return wait;
}

describe('restart backoff', () => {
  test('the n-th consecutive restart waits min(maxMs, minMs * factor^(n-1)): exact delays and the cap', () => {
    const log: string[] = [];
    const { sup, clock } = start({ backoff: exact, children: workerSpecs(['a'], log) });
    const waits = Array.from({ length: 7 }, () => waitOfNextRestart(sup, clock, 'a'));
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(whichChild(sup, 'a')!.restarts).toBe(7);
    // One start per restart, each after the crash's stop.
    expect(log.filter((line) => line === 'start:a')).toHaveLength(8);
    sup.stop();
  });

  test('while it waits the child shows restarting with nextRestartAt, in whichChildren and child.changed', () => {
    const { sup, clock, changes } = start({ backoff: exact, children: workerSpecs(['a'], []) });
    clock.increment(50);
    crash(sup, 'a');
    expect(whichChildren(sup)).toEqual([
      {
        id: 'a',
        ref: undefined,
        status: 'restarting',
        restart: 'permanent',
        restarts: 1,
        nextRestartAt: 150,
      },
    ]);
    expect(changes.at(-1)).toEqual({
      type: 'child.changed',
      id: 'a',
      status: 'restarting',
      restarts: 1,
      ref: undefined,
      totalRestarts: 1,
      nextRestartAt: 150,
    });
    expect(sup.getSnapshot().value).toEqual({ live: 'restarting' });
    clock.increment(100);
    expect(changes.at(-1)).toMatchObject({ id: 'a', status: 'running', totalRestarts: 1 });
    expect(changes.at(-1)!.nextRestartAt).toBeUndefined();
    expect(whichChild(sup, 'a')!.nextRestartAt).toBeUndefined();
    expect(sup.getSnapshot().value).toEqual({ live: 'running' });
    sup.stop();
  });

  test('jitter: every delay within ±jitter of the base, and spread across it', () => {
    const { sup, clock } = start({
      backoff: { minMs: 1000, maxMs: 1000, jitter: 0.5 },
      children: workerSpecs(['a'], []),
    });
    const waits = Array.from({ length: 200 }, () => waitOfNextRestart(sup, clock, 'a'));
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(500);
      expect(wait).toBeLessThanOrEqual(1500);
    }
    expect(Math.min(...waits)).toBeLessThan(800);
    expect(Math.max(...waits)).toBeGreaterThan(1200);
    sup.stop();
  });

  test('a child that ran resetAfterMs without crashing starts again from minMs', () => {
    const { sup, clock } = start({
      backoff: { ...exact, resetAfterMs: 500 },
      children: workerSpecs(['a'], []),
    });
    expect([1, 2, 3].map(() => waitOfNextRestart(sup, clock, 'a'))).toEqual([100, 200, 400]);
    clock.increment(499);
    expect(waitOfNextRestart(sup, clock, 'a')).toBe(800);
    clock.increment(500);
    expect([1, 2].map(() => waitOfNextRestart(sup, clock, 'a'))).toEqual([100, 200]);
    sup.stop();
  });

  test("a child's own backoff overrides the supervisor's; without any, restarts are immediate", () => {
    const { sup, clock } = start({
      backoff: exact,
      children: [
        ...workerSpecs(['a'], [], { backoff: { minMs: 30, maxMs: 30, jitter: 0 } }),
        ...workerSpecs(['b'], []),
      ],
    });
    expect(waitOfNextRestart(sup, clock, 'a')).toBe(30);
    expect(waitOfNextRestart(sup, clock, 'b')).toBe(100);
    const bare = start({ children: workerSpecs(['c'], []) });
    const before = whichChild(bare.sup, 'c')!.ref;
    crash(bare.sup, 'c');
    expect(whichChild(bare.sup, 'c')!.status).toBe('running');
    expect(whichChild(bare.sup, 'c')!.ref).not.toBe(before);
    sup.stop();
    bare.sup.stop();
  });

  test('each restart counts toward intensity when it is decided, not when it happens', () => {
    const log: string[] = [];
    const { sup, clock, errors } = start({
      intensity: 1,
      period: 10_000,
      backoff: { minMs: 1000, maxMs: 1000, jitter: 0 },
      children: workerSpecs(['a', 'b'], log),
    });
    crash(sup, 'a');
    clock.increment(10);
    // a has not restarted yet; b's crash is the second restart within the period.
    crash(sup, 'b');
    expect((errors[0] as SupervisorError).code).toBe('max_restart_intensity');
    expect((errors[0] as SupervisorError).restarts).toBe(1);
    // Escalation gave up a's pending restart: nothing starts later.
    clock.increment(5000);
    expect(log).toEqual(['start:a', 'start:b', 'stop:a', 'stop:b']);
  });

  test('terminateChild during the wait gives the restart up; the child stays stopped', async () => {
    const log: string[] = [];
    const { sup, clock } = start({ backoff: exact, children: workerSpecs(['a', 'b'], log) });
    crash(sup, 'a');
    await terminateChild(sup, 'a');
    expect(whichChild(sup, 'a')).toEqual({
      id: 'a',
      ref: undefined,
      status: 'stopped',
      restart: 'permanent',
      restarts: 1,
    });
    clock.increment(10_000);
    expect(whichChild(sup, 'a')!.status).toBe('stopped');
    expect(log).toEqual(['start:a', 'start:b', 'stop:a']);
    expect(sup.getSnapshot().value).toEqual({ live: 'running' });
    sup.stop();
  });

  test('shutdown during the wait gives the restart up, and nothing starts after the supervisor ended', () => {
    const log: string[] = [];
    const { sup, clock } = start({ backoff: exact, children: workerSpecs(['a', 'b'], log) });
    crash(sup, 'a');
    sup.send({ type: SHUTDOWN_EVENT });
    expect(sup.getSnapshot().status).toBe('done');
    expect(sup.getSnapshot().output).toEqual({ reason: 'shutdown', restarts: 1 });
    clock.increment(10_000);
    expect(log).toEqual(['start:a', 'start:b', 'stop:a', 'stop:b']);
  });

  test('stopped abruptly during the wait: nothing starts afterwards', () => {
    const log: string[] = [];
    const { sup, clock } = start({ backoff: exact, children: workerSpecs(['a', 'b'], log) });
    crash(sup, 'a');
    sup.stop();
    clock.increment(10_000);
    expect(log).toEqual(['start:a', 'start:b', 'stop:a', 'stop:b']);
  });

  test('one_for_all: the siblings stop at once, then all start together after the wait', () => {
    const log: string[] = [];
    const { sup, clock } = start({
      strategy: 'one_for_all',
      backoff: exact,
      children: workerSpecs(['a', 'b', 'c'], log),
    });
    log.length = 0;
    crash(sup, 'b');
    expect(log).toEqual(['stop:b', 'stop:c', 'stop:a']);
    expect(whichChildren(sup).map((c) => [c.id, c.status, c.nextRestartAt])).toEqual([
      ['a', 'restarting', 100],
      ['b', 'restarting', 100],
      ['c', 'restarting', 100],
    ]);
    clock.increment(100);
    expect(log.slice(3)).toEqual(['start:a', 'start:b', 'start:c']);
    sup.stop();
  });

  test('a restart that fails to start waits the next delay, and counts again', () => {
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
    const { sup, clock, errors } = start({
      intensity: 3,
      backoff: exact,
      children: [{ id: 'f', logic: fragile }],
    });
    failing = true;
    crash(sup, 'f');
    expect(whichChild(sup, 'f')!.nextRestartAt).toBe(100);
    clock.increment(100);
    // The start failed: retried after 200 more ms, as the second restart.
    expect(whichChild(sup, 'f')).toMatchObject({ status: 'restarting', nextRestartAt: 300 });
    failing = false;
    clock.increment(200);
    expect(whichChild(sup, 'f')).toMatchObject({ status: 'running', restarts: 2 });
    expect(errors).toEqual([]);
    sup.stop();
  });

  test.each([
    ['not an object', 5],
    ['minMs missing', { maxMs: 10 }],
    ['minMs 0', { minMs: 0, maxMs: 10 }],
    ['maxMs below minMs', { minMs: 100, maxMs: 10 }],
    ['infinite maxMs', { minMs: 1, maxMs: Number.POSITIVE_INFINITY }],
    ['factor below 1', { minMs: 1, maxMs: 10, factor: 0.5 }],
    ['jitter 1', { minMs: 1, maxMs: 10, jitter: 1 }],
    ['negative jitter', { minMs: 1, maxMs: 10, jitter: -0.1 }],
    ['resetAfterMs 0', { minMs: 1, maxMs: 10, resetAfterMs: 0 }],
  ])(
    'invalid backoff (%s) is an invalid_spec, for the supervisor, a child and startChild',
    (_, backoff) => {
      const bad = backoff as never;
      const codeOf = (fn: () => unknown) => {
        try {
          fn();
        } catch (error) {
          expect(error).toBeInstanceOf(SupervisorError);
          return (error as SupervisorError).code;
        }
        return undefined;
      };
      expect(codeOf(() => createSupervisor({ backoff: bad }))).toBe('invalid_spec');
      const child: ChildSpec = { ...workerSpecs(['a'], [])[0]!, backoff: bad };
      expect(codeOf(() => createSupervisor({ children: [child] }))).toBe('invalid_spec');
      const sup = createActor(createSupervisor()).start();
      expect(codeOf(() => startChild(sup, child))).toBe('invalid_spec');
      expect(whichChildren(sup)).toEqual([]);
      sup.stop();
    },
  );
});
