import { describe, expect, test } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { createSupervisor, SHUTDOWN_EVENT, terminateChild, whichChildren } from '../src/index.js';
import { trappingWorker, workerSpecs } from './helpers/workers.js';

function trapping(
  name: string,
  log: string[],
  cleanupMs: number | undefined,
  shutdown?: number | 'infinity' | 'brutal_kill',
) {
  return {
    id: name,
    logic: trappingWorker,
    input: { name, log, cleanupMs },
    ...(shutdown === undefined ? {} : { shutdown }),
  };
}

describe('shutdown (SHUTDOWN_EVENT, brutal_kill, grace, infinity)', () => {
  test('a supervisor sent SHUTDOWN_EVENT stops its children one at a time in reverse start order, then completes', () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const sup = createActor(
      createSupervisor({
        children: [trapping('a', log, 10), ...workerSpecs(['b'], log), trapping('c', log, 20)],
      }),
      { clock },
    ).start();
    log.length = 0;
    sup.send({ type: SHUTDOWN_EVENT });
    // c traps exits: it is asked first and nothing else happens until it finishes.
    expect(log).toEqual(['winding-down:c']);
    clock.increment(20);
    // b does not trap exits: stopped at once; then a is asked.
    expect(log).toEqual(['winding-down:c', 'stop:c', 'stop:b', 'winding-down:a']);
    clock.increment(10);
    expect(log.slice(4)).toEqual(['stop:a']);
    expect(sup.getSnapshot().status).toBe('done');
    expect(sup.getSnapshot().output).toEqual({ reason: 'shutdown', restarts: 0 });
  });

  test('a child that ignores SHUTDOWN_EVENT is stopped when its grace runs out', () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const sup = createActor(createSupervisor({ children: [trapping('a', log, undefined, 500)] }), {
      clock,
    }).start();
    sup.send({ type: SHUTDOWN_EVENT });
    clock.increment(499);
    expect(log).toEqual(['start:a']);
    expect(sup.getSnapshot().status).toBe('active');
    clock.increment(1);
    expect(log).toEqual(['start:a', 'stop:a']);
    expect(sup.getSnapshot().status).toBe('done');
  });

  test("'infinity' waits as long as the child takes; 'brutal_kill' does not ask", () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const sup = createActor(
      createSupervisor({
        children: [trapping('a', log, 60_000, 'infinity'), trapping('b', log, 10, 'brutal_kill')],
      }),
      { clock },
    ).start();
    log.length = 0;
    sup.send({ type: SHUTDOWN_EVENT });
    expect(log).toEqual(['stop:b', 'winding-down:a']);
    clock.increment(59_999);
    expect(sup.getSnapshot().status).toBe('active');
    clock.increment(1);
    expect(log).toEqual(['stop:b', 'winding-down:a', 'stop:a']);
    expect(sup.getSnapshot().status).toBe('done');
  });

  test('terminateChild resolves only once the child is gone, is not a restart, and is idempotent', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const sup = createActor(
      createSupervisor({
        intensity: 0,
        children: [trapping('a', log, 100), ...workerSpecs(['b'], log)],
      }),
      { clock },
    ).start();
    const ref = whichChildren(sup)[0]!.ref!;
    let resolved = false;
    const terminated = terminateChild(sup, 'a').then(() => {
      resolved = true;
    });
    await Promise.resolve();
    expect(resolved).toBe(false);
    expect(ref.getSnapshot().status).toBe('active');
    clock.increment(100);
    await terminated;
    expect(resolved).toBe(true);
    expect(ref.getSnapshot().status).toBe('done');
    // intensity 0 would have failed the supervisor had this counted as a restart.
    expect(sup.getSnapshot().status).toBe('active');
    expect(whichChildren(sup).map((c) => [c.id, c.status, c.restarts])).toEqual([
      ['a', 'stopped', 0],
      ['b', 'running', 0],
    ]);
    await terminateChild(sup, 'a');
    expect(whichChildren(sup)[0]!.status).toBe('stopped');
    sup.stop();
  });

  test('terminateChild of a temporary child drops its spec', async () => {
    const sup = createActor(
      createSupervisor({ children: workerSpecs(['t'], [], { restart: 'temporary' }) }),
    ).start();
    await terminateChild(sup, 't');
    expect(whichChildren(sup)).toEqual([]);
    sup.stop();
  });

  test('children exiting on their own during shutdown keep their reason and are not restarted (sup_stop_race)', () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const sup = createActor(
      createSupervisor({
        intensity: 0,
        children: [...workerSpecs(['a'], log), trapping('b', log, 100)],
      }),
      { clock },
    ).start();
    const a = whichChildren(sup)[0]!.ref!;
    sup.send({ type: SHUTDOWN_EVENT });
    a.send({ type: 'CRASH' });
    clock.increment(100);
    expect(sup.getSnapshot().status).toBe('done');
    expect(a.getSnapshot().status).toBe('error');
  });
});
