import { describe, expect, test } from 'vitest';
import { createActor } from 'xstate';
import {
  countChildren,
  createSupervisor,
  type RestartType,
  terminateChild,
  whichChildren,
} from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

type Exit = 'normal' | 'abnormal' | 'shutdown';

async function exitOnce(restart: RestartType, exit: Exit) {
  const log: string[] = [];
  const sup = createActor(
    createSupervisor({ children: workerSpecs(['w'], log, { restart }) }),
  ).start();
  const first = whichChildren(sup)[0]!.ref!;
  if (exit === 'normal') first.send({ type: 'FINISH' });
  if (exit === 'abnormal') first.send({ type: 'CRASH' });
  if (exit === 'shutdown') await terminateChild(sup, 'w');
  const children = whichChildren(sup);
  const result = {
    restarted: children[0]?.ref !== undefined && children[0].ref !== first,
    children: children.map((c) => ({ id: c.id, status: c.status, hasRef: c.ref !== undefined })),
    counts: countChildren(sup),
    supervisor: sup.getSnapshot().status,
  };
  sup.stop();
  return result;
}

const kept = (status: string, hasRef: boolean) => [{ id: 'w', status, hasRef }];

// OTP supervisor_SUITE: permanent_*, transient_*, temporary_* — [specs, active, supervisors, workers].
const matrix: Array<[RestartType, Exit, boolean, unknown, [number, number, number, number]]> = [
  ['permanent', 'normal', true, kept('running', true), [1, 1, 0, 1]],
  ['permanent', 'abnormal', true, kept('running', true), [1, 1, 0, 1]],
  ['permanent', 'shutdown', false, kept('stopped', false), [1, 0, 0, 1]],
  ['transient', 'normal', false, kept('stopped', false), [1, 0, 0, 1]],
  ['transient', 'abnormal', true, kept('running', true), [1, 1, 0, 1]],
  ['transient', 'shutdown', false, kept('stopped', false), [1, 0, 0, 1]],
  ['temporary', 'normal', false, [], [0, 0, 0, 0]],
  ['temporary', 'abnormal', false, [], [0, 0, 0, 0]],
  ['temporary', 'shutdown', false, [], [0, 0, 0, 0]],
];

describe('restart types: exit reason × restart type', () => {
  test.each(matrix)('%s child, %s exit', async (restart, exit, restarted, children, counts) => {
    const result = await exitOnce(restart, exit);
    expect(result.restarted).toBe(restarted);
    expect(result.children).toEqual(children);
    const [specs, active, supervisors, workers] = counts;
    expect(result.counts).toEqual({ specs, active, supervisors, workers });
    expect(result.supervisor).toBe('active');
  });
});
