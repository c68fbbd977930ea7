/**
 * What xstate-otp relies on in XState, pinned by name. Each test states one
 * behaviour the runtime depends on (most of them through
 * `src/supervisor/xstateInternals.ts`, the one file that touches XState
 * internals); an XState upgrade that changes one fails here first, naming
 * the assumption and the code that needs a new answer.
 */
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  type AnyActorRef,
  assign,
  createActor,
  createMachine,
  emit,
  fromCallback,
  type InputFrom,
  SimulatedClock,
  StateMachine,
  setup,
} from 'xstate';
import { systemNow } from '../src/ground/clock.js';
import {
  forceStop,
  isProcessing,
  parentOf,
  RESUMED_TIMERS_EVENT,
  rearmAfterTimers,
  TeardownMachine,
} from '../src/supervisor/xstateInternals.js';

/** A callback actor that logs its start and its cleanup. */
const probe = (log: string[], name: string) =>
  fromCallback(() => {
    log.push(`start:${name}`);
    return () => log.push(`stop:${name}`);
  });

describe('XState behaviour xstate-otp relies on', () => {
  test('forceStop (`_stop()`): stops a child created with createActor(logic, { parent }) synchronously, cleanups run, the parent gets no done/error event', () => {
    const log: string[] = [];
    const received: string[] = [];
    const parent = createActor(
      createMachine({ on: { '*': { actions: ({ event }) => received.push(event.type) } } }),
    ).start();
    const child = createActor(probe(log, 'child'), { parent, id: 'child' }).start();
    forceStop(child);
    expect(child.getSnapshot().status).toBe('stopped');
    expect(log).toEqual(['start:child', 'stop:child']);
    expect(received).toEqual([]);
    parent.stop();
  });

  test('the public stop() refuses an actor that has a parent: why forceStop exists', () => {
    const parent = createActor(createMachine({})).start();
    const child = createActor(createMachine({}), { parent }).start();
    expect(() => child.stop()).toThrow(/non-root/);
    forceStop(child);
    parent.stop();
  });

  test('children created with { parent } report xstate.done.actor.<id> and xstate.error.actor.<id> to it', () => {
    const received: Array<{ type: string; actorId?: string }> = [];
    const parent = createActor(
      createMachine({
        on: {
          '*': {
            actions: ({ event }) => received.push(event as { type: string; actorId?: string }),
          },
        },
      }),
    ).start();
    const done = createActor(
      createMachine({ initial: 'a', states: { a: { on: { GO: 'b' } }, b: { type: 'final' } } }),
      {
        parent,
        id: 'finisher',
      },
    ).start();
    const failing = createActor(
      createMachine({
        on: {
          BOOM: {
            actions: () => {
              throw new Error('boom');
            },
          },
        },
      }),
      { parent, id: 'crasher' },
    ).start();
    done.send({ type: 'GO' });
    failing.send({ type: 'BOOM' });
    expect(received.map((e) => [e.type, e.actorId])).toEqual([
      ['xstate.done.actor.finisher', 'finisher'],
      ['xstate.error.actor.crasher', 'crasher'],
    ]);
    parent.stop();
  });

  test('parentOf (`_parent`): the parent given to createActor', () => {
    const parent = createActor(createMachine({})).start();
    const child = createActor(createMachine({}), { parent });
    expect(parentOf(child)).toBe(parent);
    expect(parentOf(parent)).toBeUndefined();
    parent.stop();
  });

  test('isProcessing (the mailbox): true while the actor handles an event, so a send from inside is queued', () => {
    const seen: Array<[string, boolean]> = [];
    let actor!: AnyActorRef;
    actor = createActor(
      createMachine({
        on: {
          FIRST: {
            actions: () => {
              seen.push(['FIRST', isProcessing(actor)]);
              actor.send({ type: 'SECOND' });
              seen.push(['sent SECOND', isProcessing(actor)]);
            },
          },
          SECOND: { actions: () => seen.push(['SECOND', isProcessing(actor)]) },
        },
      }),
    ).start();
    expect(isProcessing(actor)).toBe(false);
    actor.send({ type: 'FIRST' });
    // SECOND waited for FIRST to finish, and both ran before send() returned.
    expect(seen).toEqual([
      ['FIRST', true],
      ['sent SECOND', true],
      ['SECOND', true],
    ]);
    expect(isProcessing(actor)).toBe(false);
    actor.stop();
  });

  test('XState stops an actor by sending `xstate.stop` through its logic’s transition (root stop and a parent’s stopChild)', () => {
    const events: string[] = [];
    const make = () =>
      new TeardownMachine(createMachine({}).config, {}, () => events.push('teardown'));
    const root = createActor(make()).start();
    root.stop();
    expect(events).toEqual(['teardown']);
    const parent = createActor(createMachine({})).start();
    const child = createActor(make(), { parent }).start();
    forceStop(child);
    expect(events).toEqual(['teardown', 'teardown']);
    parent.stop();
  });

  test('XState’s stop() stops only snapshot.children and runs no exit actions: an actor made with { parent } outlives its parent unless the parent stops it', () => {
    const log: string[] = [];
    let orphan: AnyActorRef | undefined;
    const parent = createActor(
      createMachine({
        entry: ({ self }) => {
          orphan = createActor(probe(log, 'made'), { parent: self }).start();
        },
        exit: () => log.push('exit action'),
      }),
    ).start();
    parent.stop();
    expect(log).toEqual(['start:made']);
    expect(orphan!.getSnapshot().status).toBe('active');
    forceStop(orphan!);
  });

  test('a machine whose own action throws errors without stopping its children: why TeardownMachine also tears down on a throw', () => {
    const log: string[] = [];
    const parent = createActor(
      setup({ actors: { held: probe(log, 'held') } }).createMachine({
        invoke: { src: 'held' },
        on: {
          BOOM: {
            actions: () => {
              throw new Error('boom');
            },
          },
        },
      }),
    );
    parent.subscribe({ error: () => {} });
    parent.start();
    parent.send({ type: 'BOOM' });
    expect(parent.getSnapshot().status).toBe('error');
    expect(log).toEqual(['start:held']);

    const torn: string[] = [];
    const guarded = new TeardownMachine(
      createMachine({
        on: {
          BOOM: {
            actions: () => {
              throw new Error('boom');
            },
          },
        },
      }).config,
      {},
      () => torn.push('teardown'),
    );
    const actor = createActor(guarded);
    actor.subscribe({ error: () => {} });
    actor.start();
    actor.send({ type: 'BOOM' });
    expect(actor.getSnapshot().status).toBe('error');
    expect(torn).toEqual(['teardown']);
  });

  test('StateMachine.provide() returns a plain StateMachine: TeardownMachine overrides it to keep its teardown', () => {
    const plain = createMachine({});
    expect(Object.getPrototypeOf(plain.provide({}))).toBe(StateMachine.prototype);
    const torn: string[] = [];
    const machine = new TeardownMachine(plain.config, {}, () => torn.push('teardown'));
    const provided = machine.provide({});
    expect(provided).toBeInstanceOf(TeardownMachine);
    createActor(provided).start().stop();
    expect(torn).toEqual(['teardown']);
  });

  test('emitted events reach listeners after the snapshot has changed, once the macrostep is over', () => {
    const seenCounts: number[] = [];
    const actor = createActor(
      setup({
        types: { context: {} as { count: number }, emitted: {} as { type: 'changed' } },
      }).createMachine({
        context: { count: 0 },
        on: {
          // The emit comes before the assign, yet the listener sees the assign's result.
          BUMP: {
            actions: [
              emit({ type: 'changed' }),
              assign({ count: ({ context }) => context.count + 1 }),
            ],
          },
        },
      }),
    );
    actor.on('changed', () => seenCounts.push(actor.getSnapshot().context.count));
    actor.start();
    actor.send({ type: 'BUMP' });
    actor.send({ type: 'BUMP' });
    expect(seenCounts).toEqual([1, 2]);
    actor.stop();
  });

  test('eventless transitions are selected again after a microstep that changed the snapshot, and only then', () => {
    // Targetless, with an assign: runs until its guard is false.
    const counting = createActor(
      setup({ types: { context: {} as { left: number } } }).createMachine({
        context: { left: 3 },
        initial: 'counting',
        states: {
          counting: {
            always: [
              { guard: ({ context }) => context.left === 0, target: 'done' },
              { actions: assign({ left: ({ context }) => context.left - 1 }) },
            ],
          },
          done: {},
        },
      }),
    ).start();
    expect(counting.getSnapshot().value).toBe('done');
    // Targetless, without a change to the snapshot: selected once, not again.
    let runs = 0;
    createActor(
      createMachine({
        always: {
          actions: () => {
            runs += 1;
          },
        },
      }),
    ).start();
    expect(runs).toBe(1);
  });

  test('delays are given `self`, so they can read the system clock (guards are not)', () => {
    const clock = new SimulatedClock();
    clock.set(1000);
    const seenNow: number[] = [];
    const actor = createActor(
      setup({
        delays: {
          untilTwoThousand: ({ self }) => {
            seenNow.push(systemNow(self));
            return 2000 - systemNow(self);
          },
        },
      }).createMachine({
        initial: 'waiting',
        states: { waiting: { after: { untilTwoThousand: 'done' } }, done: {} },
      }),
      { clock },
    ).start();
    expect(seenNow).toEqual([1000]);
    clock.increment(999);
    expect(actor.getSnapshot().value).toBe('waiting');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('done');
    actor.stop();
  });

  /** A machine with `after` timers of each kind, restored under a parent on `clock`. */
  const delayEvents: string[] = [];
  const timed = setup({
    types: { context: {} as { waitMs: number } },
    delays: {
      patience: 3000,
      fromContext: ({ context, event }) => {
        delayEvents.push(event.type);
        return context.waitMs;
      },
    },
  }).createMachine({
    id: 'timed',
    context: { waitMs: 7000 },
    initial: 'idle',
    states: {
      idle: { on: { WAIT: 'waiting', BOTH: 'both' } },
      waiting: {
        after: { 5000: 'late', patience: { target: 'impatient' } },
        on: { LEAVE: 'idle' },
      },
      both: {
        type: 'parallel',
        after: { 10000: 'late' },
        states: {
          left: { initial: 'a', states: { a: { after: { 1000: 'b' } }, b: {} } },
          right: { initial: 'x', states: { x: { after: { fromContext: 'y' } }, y: {} } },
        },
      },
      impatient: {},
      late: {},
    },
  });
  function restoredTimed(event: string) {
    const original = createActor(timed).start();
    original.send({ type: event });
    const persisted = JSON.parse(JSON.stringify(original.getPersistedSnapshot()));
    original.stop();
    const clock = new SimulatedClock();
    const parent = createActor(createMachine({}), { clock }).start();
    const child = createActor(timed, { parent, snapshot: persisted }).start();
    return { clock, parent, child };
  }

  test('a machine restored from a persisted snapshot has no pending `after` timer: why rearmAfterTimers exists', () => {
    const { clock, parent, child } = restoredTimed('WAIT');
    clock.increment(60_000);
    expect(child.getSnapshot().value).toBe('waiting');
    parent.stop();
  });

  test('rearmAfterTimers: each active state node`s `after` (number, named, function of context, parallel and nested) fires after its full delay on the system clock', () => {
    const waiting = restoredTimed('WAIT');
    rearmAfterTimers(waiting.child);
    waiting.clock.increment(2999);
    expect(waiting.child.getSnapshot().value).toBe('waiting');
    waiting.clock.increment(1);
    expect(waiting.child.getSnapshot().value).toBe('impatient');
    waiting.parent.stop();

    const both = restoredTimed('BOTH');
    delayEvents.length = 0;
    rearmAfterTimers(both.child);
    // The event that entered the state is not persisted: a delay function gets this one.
    expect(delayEvents).toEqual([RESUMED_TIMERS_EVENT.type]);
    both.clock.increment(999);
    expect(both.child.getSnapshot().value).toEqual({ both: { left: 'a', right: 'x' } });
    both.clock.increment(1);
    expect(both.child.getSnapshot().value).toEqual({ both: { left: 'b', right: 'x' } });
    both.clock.increment(6000);
    expect(both.child.getSnapshot().value).toEqual({ both: { left: 'b', right: 'y' } });
    both.clock.increment(2999);
    expect(both.child.getSnapshot().value).toEqual({ both: { left: 'b', right: 'y' } });
    both.clock.increment(1);
    expect(both.child.getSnapshot().value).toBe('late');
    both.parent.stop();
  });

  test('the `after` event type is the id of its entry raise and of its exit cancel: leaving the state cancels a re-armed timer', () => {
    const { clock, parent, child } = restoredTimed('WAIT');
    rearmAfterTimers(child);
    const ids = Object.values(child.system.getSnapshot()._scheduledEvents).map((e) => e.id);
    expect(ids.sort()).toEqual([
      'xstate.after.5000.timed.waiting',
      'xstate.after.patience.timed.waiting',
    ]);
    clock.increment(2000);
    child.send({ type: 'LEAVE' });
    expect(child.system.getSnapshot()._scheduledEvents).toEqual({});
    child.send({ type: 'WAIT' }); // entered again at 2000: its own timers, from there
    clock.increment(2999);
    expect(child.getSnapshot().value).toBe('waiting');
    clock.increment(1);
    expect(child.getSnapshot().value).toBe('impatient');
    parent.stop();
  });

  test('rearmAfterTimers also arms the machines a restored machine restored with it', () => {
    const inner = createMachine({
      initial: 'waiting',
      states: { waiting: { after: { 500: 'done' } }, done: { type: 'final' } },
    });
    const outer = setup({ actors: { inner } }).createMachine({
      initial: 'running',
      states: {
        running: { invoke: { src: 'inner', id: 'inner', onDone: 'finished' } },
        finished: {},
      },
    });
    const original = createActor(outer).start();
    const persisted = JSON.parse(JSON.stringify(original.getPersistedSnapshot()));
    original.stop();
    const clock = new SimulatedClock();
    const parent = createActor(createMachine({}), { clock }).start();
    const child = createActor(outer, { parent, snapshot: persisted }).start();
    rearmAfterTimers(child);
    clock.increment(499);
    expect(child.getSnapshot().value).toBe('running');
    clock.increment(1);
    expect(child.getSnapshot().value).toBe('finished');
    parent.stop();
  });

  test('setup() drops `undefined` from an input type but keeps `void`: the supervisor’s optional options', () => {
    const withUndefined = setup({
      types: { input: {} as { a?: number } | undefined },
    }).createMachine({});
    // biome-ignore lint/suspicious/noConfusingVoidType: the behaviour pinned here
    const withVoid = setup({ types: { input: {} as { a?: number } | void } }).createMachine({});
    expectTypeOf<InputFrom<typeof withUndefined>>().toEqualTypeOf<{ a?: number }>();
    expectTypeOf<undefined>().toMatchTypeOf<InputFrom<typeof withVoid>>();
  });
});
