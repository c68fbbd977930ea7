import { describe, expect, test } from 'vitest';
import { createActor, createMachine, SimulatedClock } from 'xstate';
import {
  countChildren,
  createSupervisor,
  deleteChild,
  restartChild,
  SupervisorError,
  startChild,
  terminateChild,
  whichChildren,
} from '../src/index.js';
import { trappingWorker, worker, workerSpecs } from './helpers/workers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SupervisorError);
    return (error as SupervisorError).code;
  }
  return undefined;
}

describe('admin API (OTP child_adm)', () => {
  test('startChild, terminateChild, restartChild, deleteChild through their states', async () => {
    const log: string[] = [];
    const sup = createActor(createSupervisor()).start();
    const ref = startChild(sup, { id: 'w', logic: worker, input: { name: 'w', log } });
    expect(ref.getSnapshot().status).toBe('active');
    expect(whichChildren(sup)).toEqual([
      { id: 'w', ref, status: 'running', restart: 'permanent', restarts: 0 },
    ]);
    expect(
      codeOf(() => startChild(sup, { id: 'w', logic: worker, input: { name: 'w', log } })),
    ).toBe('already_started');
    expect(codeOf(() => restartChild(sup, 'w'))).toBe('running');
    expect(codeOf(() => deleteChild(sup, 'w'))).toBe('running');
    await terminateChild(sup, 'w');
    expect(
      codeOf(() => startChild(sup, { id: 'w', logic: worker, input: { name: 'w', log } })),
    ).toBe('already_present');
    const again = restartChild(sup, 'w');
    expect(again).not.toBe(ref);
    expect(again.getSnapshot().status).toBe('active');
    await terminateChild(sup, 'w');
    deleteChild(sup, 'w');
    expect(whichChildren(sup)).toEqual([]);
    expect(codeOf(() => restartChild(sup, 'w'))).toBe('not_found');
    expect(codeOf(() => deleteChild(sup, 'w'))).toBe('not_found');
    // A function that returns a promise rejects, never throws.
    const missing = terminateChild(sup, 'w');
    await expect(missing).rejects.toBeInstanceOf(SupervisorError);
    await expect(missing).rejects.toMatchObject({ code: 'not_found' });
    expect(log).toEqual(['start:w', 'stop:w', 'start:w', 'stop:w']);
    sup.stop();
  });

  test('children waiting to be restarted: restartChild/deleteChild say restarting, startChild already_present, terminateChild still works', async () => {
    const clock = new SimulatedClock();
    const log: string[] = [];
    const sup = createActor(
      createSupervisor({
        strategy: 'one_for_all',
        children: [
          ...workerSpecs(['a', 'b'], log),
          { id: 'slow', logic: trappingWorker, input: { name: 'slow', log, cleanupMs: 100 } },
        ],
      }),
      { clock },
    ).start();
    whichChildren(sup)[0]!.ref!.send({ type: 'CRASH' });
    // `slow` is winding down; a and b wait to be restarted.
    expect(whichChildren(sup).map((c) => [c.id, c.status])).toEqual([
      ['a', 'restarting'],
      ['b', 'restarting'],
      ['slow', 'restarting'],
    ]);
    expect(countChildren(sup).active).toBe(2);
    expect(codeOf(() => restartChild(sup, 'a'))).toBe('restarting');
    expect(codeOf(() => deleteChild(sup, 'a'))).toBe('restarting');
    expect(codeOf(() => startChild(sup, { id: 'a', logic: worker }))).toBe('already_present');
    // Terminating a child that waits for its restart gives up on the restart.
    await terminateChild(sup, 'a');
    clock.increment(100);
    expect(whichChildren(sup).map((c) => [c.id, c.status])).toEqual([
      ['a', 'stopped'],
      ['b', 'running'],
      ['slow', 'running'],
    ]);
    sup.stop();
  });

  test.each([
    ['duplicate ids', { children: [...workerSpecs(['a'], []), ...workerSpecs(['a'], [])] }],
    [
      'significant + permanent',
      { autoShutdown: 'any_significant', children: workerSpecs(['a'], [], { significant: true }) },
    ],
    [
      "significant with autoShutdown 'never'",
      { children: workerSpecs(['a'], [], { significant: true, restart: 'transient' }) },
    ],
    ['intensity < 0', { intensity: -1 }],
    ['fractional intensity', { intensity: 1.5 }],
    ['period 0', { period: 0 }],
    ['negative period', { period: -5 }],
    ['bad shutdown', { children: workerSpecs(['a'], [], { shutdown: -1 }) }],
    ['shutdown as a word', { children: workerSpecs(['a'], [], { shutdown: 'soon' as never }) }],
    ['unknown strategy', { strategy: 'one_for_some' as never }],
    [
      'unknown restart type',
      { children: workerSpecs(['a'], [], { restart: 'sometimes' as never }) },
    ],
    ['missing logic', { children: [{ id: 'a', logic: undefined as never }] }],
    ['empty id', { children: [{ id: '', logic: worker }] }],
    ['registerAs without registry', { children: workerSpecs(['a'], [], { registerAs: 'k' }) }],
  ] as const)('invalid_spec: %s', (_, options) => {
    expect(codeOf(() => createSupervisor(options as never))).toBe('invalid_spec');
  });

  test('startChild with an invalid spec throws invalid_spec and changes nothing', () => {
    const sup = createActor(createSupervisor({ children: workerSpecs(['a'], []) })).start();
    expect(codeOf(() => startChild(sup, { id: 'b', logic: worker, shutdown: -3 }))).toBe(
      'invalid_spec',
    );
    expect(
      codeOf(() =>
        startChild(sup, { id: 'b', logic: worker, significant: true, restart: 'temporary' }),
      ),
    ).toBe('invalid_spec');
    expect(whichChildren(sup).map((c) => c.id)).toEqual(['a']);
    sup.stop();
  });

  test('a start that throws in startChild is reported and stores nothing', () => {
    const broken = createMachine({
      context: () => {
        throw new Error('no');
      },
    });
    const sup = createActor(createSupervisor()).start();
    expect(codeOf(() => startChild(sup, { id: 'x', logic: broken }))).toBe('start_failed');
    expect(whichChildren(sup)).toEqual([]);
    sup.stop();
  });

  test('maxChildren caps running children', () => {
    const sup = createActor(createSupervisor({ maxChildren: 1 })).start();
    startChild(sup, { id: 'a', logic: worker, input: { name: 'a', log: [] } });
    expect(
      codeOf(() => startChild(sup, { id: 'b', logic: worker, input: { name: 'b', log: [] } })),
    ).toBe('max_children');
    sup.stop();
  });

  test('admin calls on an ended supervisor say not_running', () => {
    const sup = createActor(createSupervisor({ children: workerSpecs(['a'], []) })).start();
    sup.stop();
    expect(codeOf(() => startChild(sup, { id: 'b', logic: worker }))).toBe('not_running');
    expect(codeOf(() => restartChild(sup, 'a'))).toBe('not_running');
  });
});
