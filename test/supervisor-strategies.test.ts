import { describe, expect, test } from 'vitest';
import { createActor } from 'xstate';
import { countChildren, createSupervisor, whichChildren } from '../src/index.js';
import { refsOf, workerSpecs } from './helpers/workers.js';

function crash(sup: ReturnType<typeof start>, id: string) {
  whichChildren(sup)
    .find((c) => c.id === id)!
    .ref!.send({ type: 'CRASH' });
}

function start(strategy: 'one_for_one' | 'one_for_all' | 'rest_for_one', log: string[]) {
  return createActor(
    createSupervisor({ strategy, intensity: 10, children: workerSpecs(['a', 'b', 'c', 'd'], log) }),
  ).start();
}

describe('restart strategies (OTP one_for_one, one_for_all, rest_for_one)', () => {
  test('one_for_one restarts only the failed child', () => {
    const log: string[] = [];
    const sup = start('one_for_one', log);
    const before = refsOf(whichChildren(sup));
    log.length = 0;
    crash(sup, 'b');
    const after = refsOf(whichChildren(sup));
    expect(log).toEqual(['stop:b', 'start:b']);
    expect(after.a).toBe(before.a);
    expect(after.b).not.toBe(before.b);
    expect(after.c).toBe(before.c);
    expect(after.d).toBe(before.d);
    expect(whichChildren(sup).map((c) => [c.id, c.status, c.restarts])).toEqual([
      ['a', 'running', 0],
      ['b', 'running', 1],
      ['c', 'running', 0],
      ['d', 'running', 0],
    ]);
    sup.stop();
  });

  test('one_for_all stops the others in reverse start order, then starts all in start order', () => {
    const log: string[] = [];
    const sup = start('one_for_all', log);
    const before = refsOf(whichChildren(sup));
    log.length = 0;
    crash(sup, 'b');
    expect(log).toEqual([
      'stop:b',
      'stop:d',
      'stop:c',
      'stop:a',
      'start:a',
      'start:b',
      'start:c',
      'start:d',
    ]);
    const after = refsOf(whichChildren(sup));
    for (const id of ['a', 'b', 'c', 'd']) expect(after[id]).not.toBe(before[id]);
    // One failure counts as one restart, however many children it restarts.
    expect(sup.getSnapshot().context.restartLog).toHaveLength(1);
    expect(countChildren(sup)).toEqual({ specs: 4, active: 4, supervisors: 0, workers: 4 });
    sup.stop();
  });

  test('rest_for_one restarts the failed child and those started after it; earlier ones keep their refs', () => {
    const log: string[] = [];
    const sup = start('rest_for_one', log);
    const before = refsOf(whichChildren(sup));
    log.length = 0;
    crash(sup, 'b');
    expect(log).toEqual(['stop:b', 'stop:d', 'stop:c', 'start:b', 'start:c', 'start:d']);
    const after = refsOf(whichChildren(sup));
    expect(after.a).toBe(before.a);
    for (const id of ['b', 'c', 'd']) expect(after[id]).not.toBe(before[id]);
    sup.stop();
  });

  test('rest_for_one on the last child restarts only that child', () => {
    const log: string[] = [];
    const sup = start('rest_for_one', log);
    log.length = 0;
    crash(sup, 'd');
    expect(log).toEqual(['stop:d', 'start:d']);
    sup.stop();
  });

  test('a temporary bystander is stopped but never restarted, and its spec goes (temporary_bystander)', () => {
    const log: string[] = [];
    const sup = createActor(
      createSupervisor({
        strategy: 'one_for_all',
        children: [
          ...workerSpecs(['a'], log),
          ...workerSpecs(['t'], log, { restart: 'temporary' }),
          ...workerSpecs(['c'], log),
        ],
      }),
    ).start();
    log.length = 0;
    crash(sup, 'a');
    expect(log).toEqual(['stop:a', 'stop:c', 'stop:t', 'start:a', 'start:c']);
    expect(whichChildren(sup).map((c) => c.id)).toEqual(['a', 'c']);
    expect(sup.getSnapshot().status).toBe('active');
    sup.stop();
  });

  test('actor.stop() stops every child at once, none left running', () => {
    const log: string[] = [];
    const sup = start('one_for_one', log);
    const refs = whichChildren(sup).map((c) => c.ref!);
    sup.stop();
    expect(refs.map((r) => r.getSnapshot().status)).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'stopped',
    ]);
    expect(log.filter((l) => l.startsWith('stop:')).sort()).toEqual([
      'stop:a',
      'stop:b',
      'stop:c',
      'stop:d',
    ]);
  });
});
