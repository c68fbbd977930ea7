/**
 * The supervisor as a value-producing statechart: immutable snapshots,
 * results read from emitted events, failures that carry their restarts,
 * teardown that survives `.provide()`, and the environment handed down
 * explicitly through input.
 */
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { type AnyActorRef, createActor, createMachine, fromCallback, SimulatedClock } from 'xstate';
import { takeEnvironment } from '../src/ground/index.js';
import {
  type ChildChangedEvent,
  type ChildEnvironment,
  type ChildStartFailedEvent,
  countChildren,
  createSupervisor,
  fromProcess,
  type ProcessOutput,
  restartChild,
  type SupervisorError,
  startChild,
  terminateChild,
  whichChild,
  whichChildren,
} from '../src/index.js';
import { asChildExit } from '../src/supervisor/childExit.js';
import { supervisorStateOf } from '../src/supervisor/childTable.js';
import { declareSupervisor, supervisorMachine } from '../src/supervisor/index.js';
import { SCOPE_MARKER_ENV, SESSION_MARKER_ENV, waitForPidsGone } from '../src/testing/index.js';
import { trappingWorker, worker, workerSpecs } from './helpers/workers.js';

const refOf = (sup: AnyActorRef, id: string) => whichChild(sup, id)!.ref!;

describe('the supervisor, declarative', () => {
  test('each snapshot keeps its own table: later changes never reach an earlier snapshot', () => {
    const sup = createActor(createSupervisor({ children: workerSpecs(['a', 'b'], []) })).start();
    const before = supervisorStateOf(sup)!;
    const first = refOf(sup, 'a');
    first.send({ type: 'CRASH' });
    const after = supervisorStateOf(sup)!;
    expect(after.table).not.toBe(before.table);
    expect(before.table.get('a')).toMatchObject({
      incarnation: { ref: first },
      status: 'running',
      restarts: 0,
    });
    expect(after.table.get('a')).toMatchObject({ status: 'running', restarts: 1 });
    expect(after.table.get('a')!.incarnation!.ref).not.toBe(first);
    expect(before.totalRestarts).toBe(0);
    expect(after.totalRestarts).toBe(1);
    // An untouched child's record is shared, not copied.
    expect(after.table.get('b')).toBe(before.table.get('b'));
    sup.stop();
  });

  test('its statechart sees every child exit as one event type, whatever the child id', () => {
    // One event type per child id would grow XState's per-state-node memo of
    // transition candidates with every child that ever ended.
    const seen: { type: string; id?: string; kind?: string; error?: unknown }[] = [];
    const sup = createActor(
      createSupervisor({ children: workerSpecs(['job-1', 'job-2'], [], { restart: 'temporary' }) }),
      {
        inspect: (inspection) => {
          const isRoot = inspection.actorRef.sessionId === inspection.rootId;
          if (inspection.type === '@xstate.microstep' && isRoot) {
            const event = inspection.event as (typeof seen)[number];
            if (event.type.startsWith('xstate.') || event.type === 'otp.child.exit')
              seen.push(event);
          }
        },
      },
    ).start();
    refOf(sup, 'job-1').send({ type: 'FINISH' });
    refOf(sup, 'job-2').send({ type: 'CRASH' });
    expect(seen.map(({ type, id, kind }) => ({ type, id, kind }))).toEqual([
      { type: 'otp.child.exit', id: 'job-1', kind: 'normal' },
      { type: 'otp.child.exit', id: 'job-2', kind: 'abnormal' },
    ]);
    expect((seen[1]!.error as Error).message).toBe('crash');
    expect(whichChildren(sup)).toEqual([]);
    sup.stop();
  });

  test('an exit of an actor it does not track is ignored, with or without actorId; XState’s own children keep their events', () => {
    const sup = createActor(createSupervisor({ children: workerSpecs(['a'], []) })).start();
    const a = refOf(sup, 'a');
    sup.send({
      type: 'xstate.error.actor.ghost',
      actorId: 'ghost',
      error: new Error('x'),
    } as never);
    sup.send({ type: 'xstate.error.actor.ghost', error: new Error('x') } as never);
    sup.send({ type: 'xstate.done.actor.a.b' } as never);
    expect(sup.getSnapshot().status).toBe('active');
    expect(whichChildren(sup).map((c) => [c.id, c.ref])).toEqual([['a', a]]);
    sup.stop();

    const own = { type: 'xstate.error.actor.otp.escalate', actorId: 'otp.escalate', error: 1 };
    expect(asChildExit({ children: { 'otp.escalate': {} } }, own)).toBe(own);
    expect(asChildExit({ children: {} }, own)).toEqual({
      type: 'otp.child.exit',
      id: 'otp.escalate',
      kind: 'abnormal',
      error: 1,
    });
    const done = { type: 'xstate.done.actor.w', output: 2 };
    expect(asChildExit({ children: {} }, done)).toEqual({
      type: 'otp.child.exit',
      id: 'w',
      kind: 'normal',
      output: 2,
    });
    const other = { type: 'xstate.done.state.x' };
    expect(asChildExit({ children: {} }, other)).toBe(other);
  });

  test('child.changed carries status, restarts, ref and the supervisor’s totalRestarts; child.startFailed the cause', () => {
    let failing = false;
    const fragile = createMachine({
      context: () => {
        if (failing) throw new Error('cannot start');
        return {};
      },
    });
    const sup = createActor(
      createSupervisor({ children: [...workerSpecs(['a'], []), { id: 'f', logic: fragile }] }),
    ).start();
    const changes: ChildChangedEvent[] = [];
    const failures: ChildStartFailedEvent[] = [];
    sup.on('child.changed', (event) => changes.push(event));
    sup.on('child.startFailed', (event) => failures.push(event));
    refOf(sup, 'a').send({ type: 'CRASH' });
    const restarted = refOf(sup, 'a');
    expect(changes).toEqual([
      {
        type: 'child.changed',
        id: 'a',
        status: 'restarting',
        restarts: 1,
        ref: undefined,
        totalRestarts: 1,
      },
      {
        type: 'child.changed',
        id: 'a',
        status: 'running',
        restarts: 1,
        ref: restarted,
        totalRestarts: 1,
      },
    ]);
    return terminateChild(sup, 'f').then(() => {
      failing = true;
      expect(() => restartChild(sup, 'f')).toThrow(/failed to restart: cannot start/);
      expect(failures).toEqual([
        { type: 'child.startFailed', id: 'f', error: new Error('cannot start') },
      ]);
      expect(whichChild(sup, 'f')!.status).toBe('stopped');
      sup.stop();
    });
  });

  test('a failed supervisor’s error carries its restarts; its output does too', () => {
    const errors: SupervisorError[] = [];
    const sup = createActor(createSupervisor({ intensity: 2, children: workerSpecs(['a'], []) }));
    sup.subscribe({ error: (error) => errors.push(error as SupervisorError) });
    sup.start();
    for (let i = 0; i < 3; i++) refOf(sup, 'a').send({ type: 'CRASH' });
    expect(errors[0]).toMatchObject({ code: 'max_restart_intensity', restarts: 2, childId: 'a' });

    const broken = createMachine({
      context: () => {
        throw new Error('bad init');
      },
    });
    const startErrors: SupervisorError[] = [];
    const failing = createActor(createSupervisor({ children: [{ id: 'x', logic: broken }] }));
    failing.subscribe({ error: (error) => startErrors.push(error as SupervisorError) });
    failing.start();
    expect(startErrors[0]).toMatchObject({ code: 'start_failed', restarts: 0, childId: 'x' });

    const done = createActor(createSupervisor({ children: workerSpecs(['a'], []) })).start();
    refOf(done, 'a').send({ type: 'CRASH' });
    done.send({ type: 'otp.shutdown' });
    expect(done.getSnapshot().output).toEqual({ reason: 'shutdown', restarts: 1 });
  });

  test('stopped abruptly after .provide({}), a supervisor still stops every child', () => {
    const log: string[] = [];
    for (const logic of [
      createSupervisor({ children: workerSpecs(['a', 'b'], log) }).provide({}),
      supervisorMachine.provide({}),
    ]) {
      const sup = createActor(logic, { input: { children: workerSpecs(['c'], log) } }).start();
      const refs = whichChildren(sup).map((child) => child.ref!);
      expect(refs.length).toBeGreaterThan(0);
      sup.stop();
      expect(refs.map((ref) => ref.getSnapshot().status)).toEqual(refs.map(() => 'stopped'));
    }
    expect(log.filter((line) => line.startsWith('stop:')).sort()).toEqual([
      'stop:a',
      'stop:b',
      'stop:c',
    ]);
  });

  test('admin calls from inside the supervisor’s own processing say not_running, and nothing happens later', () => {
    const sup = createActor(createSupervisor({ children: workerSpecs(['a'], []) })).start();
    const codes: string[] = [];
    sup.on('child.changed', () => {
      try {
        startChild(sup, { id: 'late', logic: worker, input: { name: 'late', log: [] } });
      } catch (error) {
        codes.push((error as SupervisorError).code);
      }
    });
    refOf(sup, 'a').send({ type: 'CRASH' });
    expect(codes).toEqual(['not_running', 'not_running']);
    expect(whichChildren(sup).map((child) => child.id)).toEqual(['a']);
    sup.stop();
  });

  test('terminateChild of a sibling while a one_for_all restart stops it: it stays stopped', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const sup = createActor(
      createSupervisor({
        strategy: 'one_for_all',
        children: [
          ...workerSpecs(['a'], log),
          { id: 'slow', logic: trappingWorker, input: { name: 'slow', log, cleanupMs: 100 } },
        ],
      }),
      { clock },
    ).start();
    const terminated = terminateChild(sup, 'slow');
    refOf(sup, 'a').send({ type: 'CRASH' });
    clock.increment(100);
    await terminated;
    expect(whichChildren(sup).map((c) => [c.id, c.status])).toEqual([
      ['a', 'running'],
      ['slow', 'stopped'],
    ]);
    sup.stop();
  });

  test('countChildren counts supervisors by a property of their logic, kept through .provide()', () => {
    const session = declareSupervisor(createMachine({}));
    const sup = createActor(
      createSupervisor({
        children: [
          { id: 'inner', logic: createSupervisor().provide({}) },
          { id: 'session', logic: session },
          ...workerSpecs(['w'], []),
        ],
      }),
    ).start();
    expect(countChildren(sup)).toEqual({ specs: 3, active: 3, supervisors: 2, workers: 1 });
    sup.stop();
  });
});

describe('the environment, handed down through input', () => {
  const environment: ChildEnvironment = {
    sessionId: 's-1',
    workspace: { path: '/work/s-1', branch: 'xstate-otp/s-1' },
    scope: 'journal-A',
  };

  /** A logic that takes the environment, and reports the input it started with. */
  const reporting = (seen: unknown[]) =>
    takeEnvironment(
      fromCallback<{ type: string }, unknown>(({ input }) => {
        seen.push(input);
      }),
    );

  test('an input function gets it; a logic that takes it gets it merged into its input; any other logic does not', () => {
    const seen: unknown[] = [];
    const plain: unknown[] = [];
    const sup = createActor(supervisorMachine, {
      input: {
        environment,
        children: [
          {
            id: 'fn',
            logic: reporting(seen),
            input: (env: ChildEnvironment) => ({ got: env.sessionId }),
          },
          { id: 'bare', logic: reporting(seen) },
          { id: 'own', logic: reporting(seen), input: { x: 1, environment: { scope: 'mine' } } },
          {
            id: 'plain',
            logic: fromCallback<{ type: string }, unknown>(({ input }) => {
              plain.push(input);
            }),
            input: { x: 2 },
          },
        ],
      },
    }).start();
    expect(seen).toEqual([
      { got: 's-1', environment },
      { environment },
      // What the spec gives explicitly wins.
      { x: 1, environment: { ...environment, scope: 'mine' } },
    ]);
    expect(plain).toEqual([{ x: 2 }]);
    sup.stop();
  });

  test('nested supervisors pass it on, to every depth, on every restart', async () => {
    const seen: unknown[] = [];
    const inner = createSupervisor({ children: [{ id: 'leaf', logic: reporting(seen) }] });
    const middle = createSupervisor({ children: [{ id: 'inner', logic: inner }] });
    const sup = createActor(supervisorMachine, {
      input: { environment, children: [{ id: 'middle', logic: middle }] },
    }).start();
    expect(seen).toEqual([{ environment }]);
    await terminateChild(sup, 'middle');
    restartChild(sup, 'middle');
    expect(seen).toEqual([{ environment }, { environment }]);
    sup.stop();
  });

  test('fromProcess: runs in the workspace, marks its processes with session and scope, and calls onProcessStart', async () => {
    const starts: string[] = [];
    const cwd = tmpdir();
    const outputs: ProcessOutput[] = [];
    const pids: number[] = [];
    const sup = createActor(supervisorMachine, {
      input: {
        environment: {
          sessionId: 's-9',
          workspace: { path: cwd },
          scope: 'journal-B',
          onProcessStart: () => starts.push('started'),
        },
        autoShutdown: 'any_significant',
        children: [
          {
            id: 'probe',
            logic: fromProcess(),
            restart: 'transient',
            significant: true,
            input: {
              command: process.execPath,
              args: [
                '-e',
                `process.stdout.write([process.cwd(), process.env.${SESSION_MARKER_ENV}, process.env.${SCOPE_MARKER_ENV}].join(' '))`,
              ],
            },
          },
        ],
      },
    });
    sup.on('child.changed', ({ ref }) => {
      if (!ref) return;
      pids.push((ref.getSnapshot() as { context: { pid: number } }).context.pid);
      ref.subscribe({ complete: () => outputs.push(ref.getSnapshot().output as ProcessOutput) });
    });
    const done = new Promise<void>((resolve) => sup.subscribe({ complete: () => resolve() }));
    sup.start();
    await done;
    expect(outputs.map((output) => output.stdoutTail)).toEqual([`${cwd} s-9 journal-B`]);
    expect(starts).toEqual(['started']);
    await waitForPidsGone(pids);
  });
});
