import { describe, expect, test } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { createSupervisor, SupervisorError, whichChildren } from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

function crash(sup: { getSnapshot(): unknown }, id: string) {
  whichChildren(sup as never)
    .find((c) => c.id === id)!
    .ref!.send({ type: 'CRASH' });
}

function startObserved(
  options: Parameters<typeof createSupervisor>[0],
  clock = new SimulatedClock(),
) {
  const errors: unknown[] = [];
  const sup = createActor(createSupervisor(options), { clock });
  sup.subscribe({ error: (error) => errors.push(error) });
  sup.start();
  return { sup, errors, clock };
}

describe('restart intensity (sliding window on the system clock)', () => {
  test('exactly N restarts within the period survive; the N+1-th stops all children in reverse order and fails', () => {
    const log: string[] = [];
    const { sup, errors, clock } = startObserved({
      intensity: 2,
      period: 1000,
      children: workerSpecs(['a', 'b', 'c'], log),
    });
    crash(sup, 'b');
    clock.increment(100);
    crash(sup, 'b');
    expect(sup.getSnapshot().status).toBe('active');
    expect(whichChildren(sup).find((c) => c.id === 'b')!.restarts).toBe(2);
    log.length = 0;
    clock.increment(100);
    crash(sup, 'b');
    expect(log).toEqual(['stop:b', 'stop:c', 'stop:a']);
    expect(sup.getSnapshot().status).toBe('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SupervisorError);
    expect((errors[0] as SupervisorError).code).toBe('max_restart_intensity');
    expect((errors[0] as SupervisorError).childId).toBe('b');
  });

  test('crashes spaced beyond the period never accumulate (multiple_restarts)', () => {
    const log: string[] = [];
    const { sup, clock } = startObserved({
      intensity: 1,
      period: 1000,
      children: workerSpecs(['a'], log),
    });
    for (let i = 0; i < 10; i++) {
      crash(sup, 'a');
      clock.increment(1001);
    }
    expect(sup.getSnapshot().status).toBe('active');
    expect(whichChildren(sup)[0]!.restarts).toBe(10);
    sup.stop();
  });

  test('the window is inclusive: a restart exactly `period` ms ago still counts', () => {
    const { sup, errors, clock } = startObserved({
      intensity: 1,
      period: 1000,
      children: workerSpecs(['a'], []),
    });
    crash(sup, 'a');
    clock.increment(1000);
    crash(sup, 'a');
    expect(errors).toHaveLength(1);
  });

  test('intensity 0: the first crash fails the supervisor', () => {
    const log: string[] = [];
    const { sup, errors } = startObserved({ intensity: 0, children: workerSpecs(['a', 'b'], log) });
    crash(sup, 'a');
    expect(sup.getSnapshot().status).toBe('error');
    expect((errors[0] as SupervisorError).code).toBe('max_restart_intensity');
    expect(log).toEqual(['start:a', 'start:b', 'stop:a', 'stop:b']);
  });

  test('one failure under one_for_all counts once, however many children restart', () => {
    const { sup, errors } = startObserved({
      strategy: 'one_for_all',
      intensity: 2,
      children: workerSpecs(['a', 'b', 'c'], []),
    });
    crash(sup, 'a');
    crash(sup, 'c');
    expect(sup.getSnapshot().status).toBe('active');
    expect(sup.getSnapshot().context.restartLog).toHaveLength(2);
    crash(sup, 'b');
    expect(errors).toHaveLength(1);
  });

  test('a normal exit of a permanent child counts toward intensity too', () => {
    const { sup, errors } = startObserved({ intensity: 1, children: workerSpecs(['a'], []) });
    whichChildren(sup)[0]!.ref!.send({ type: 'FINISH' });
    expect(sup.getSnapshot().status).toBe('active');
    whichChildren(sup)[0]!.ref!.send({ type: 'FINISH' });
    expect((errors[0] as SupervisorError).code).toBe('max_restart_intensity');
  });
});
