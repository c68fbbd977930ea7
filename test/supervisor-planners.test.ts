/**
 * The supervisor's decisions as pure functions over a child table: no actor
 * runs here. Refs are stand-ins: the planners only ask whether a child has
 * a running incarnation.
 */
import { describe, expect, test } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { createMachine } from 'xstate';
import { backoffAttempt, backoffDelay } from '../src/supervisor/backoff.js';
import { ChildTable } from '../src/supervisor/childTable.js';
import {
  type ExitKind,
  endsSupervisor,
  planExit,
  planFailureRestart,
  restartsAfter,
  shutdownOrder,
} from '../src/supervisor/decisions.js';
import { admitRestart } from '../src/supervisor/intensity.js';
import { planRestart } from '../src/supervisor/strategy.js';
import type {
  ResolvedBackoff,
  ResolvedSupervisorOptions,
  RestartType,
  Strategy,
} from '../src/supervisor/types.js';
import { resolveChildSpec, resolveSupervisorOptions } from '../src/supervisor/validate.js';

const logic = createMachine({});
const running = { id: 'stand-in' } as unknown as AnyActorRef;

function options(extra: Parameters<typeof resolveSupervisorOptions>[0] = {}) {
  return resolveSupervisorOptions({ intensity: 10, period: 1000, ...extra });
}

interface ChildSketch {
  id: string;
  restart?: RestartType;
  significant?: boolean;
  ref?: AnyActorRef | undefined;
  status?: 'running' | 'restarting' | 'stopped';
  stopping?: boolean;
  startedAt?: number;
  backoffAttempts?: number;
  backoff?: ResolvedBackoff;
}

/** The sketch's ref as the table holds it: an incarnation (none when there is no ref). */
function incarnationOf(ref: AnyActorRef | undefined) {
  return ref === undefined ? undefined : { ref };
}

function tableOf(sup: ResolvedSupervisorOptions, children: ChildSketch[]): ChildTable {
  let table = ChildTable.empty();
  for (const child of children) {
    const spec = resolveChildSpec(
      {
        id: child.id,
        logic,
        restart: child.restart ?? 'permanent',
        significant: child.significant ?? false,
      },
      sup,
    );
    table = table.add(child.backoff ? { ...spec, backoff: child.backoff } : spec, {
      incarnation: incarnationOf('ref' in child ? child.ref : running),
      status: child.status ?? 'running',
      stopping: child.stopping ?? false,
      startedAt: child.startedAt ?? 0,
      backoffAttempts: child.backoffAttempts ?? 0,
    });
  }
  return table;
}

const STRATEGY_PLANS: Record<Strategy, { stop: string[]; start: string[] }> = {
  one_for_one: { stop: [], start: ['b'] },
  one_for_all: { stop: ['d', 'c', 'a'], start: ['a', 'b', 'c', 'd'] },
  rest_for_one: { stop: ['d', 'c'], start: ['b', 'c', 'd'] },
};

const matrix: Array<[Strategy, RestartType, ExitKind]> = [];
for (const strategy of ['one_for_one', 'one_for_all', 'rest_for_one'] as const) {
  for (const restart of ['permanent', 'transient', 'temporary'] as const) {
    for (const kind of ['normal', 'abnormal'] as const) matrix.push([strategy, restart, kind]);
  }
}

describe('planExit: every strategy × restart type × exit kind', () => {
  test.each(matrix)('%s, %s child b, %s exit', (strategy, restart, kind) => {
    const sup = options({ strategy });
    // b has exited: its ref is still in the table until the exit is applied.
    const table = tableOf(sup, [{ id: 'a' }, { id: 'b', restart }, { id: 'c' }, { id: 'd' }]);
    const decision = planExit(table, sup, [], { id: 'b', kind }, 500, 0.5);
    const restarted = restart === 'permanent' || (restart === 'transient' && kind === 'abnormal');
    if (!restarted) {
      expect(decision).toEqual({ kind: 'settle', endsSupervisor: false });
      return;
    }
    expect(decision).toEqual({
      kind: 'restart',
      restartLog: [500],
      attempt: 0,
      delayMs: 0,
      ...STRATEGY_PLANS[strategy],
    });
  });

  test('restartsAfter is the OTP table', () => {
    expect(
      (['permanent', 'transient', 'temporary'] as const).map((restart) => [
        restartsAfter(restart, 'normal'),
        restartsAfter(restart, 'abnormal'),
      ]),
    ).toEqual([
      [true, true],
      [false, true],
      [false, false],
    ]);
  });
});

describe('strategies', () => {
  test('a temporary bystander is stopped but not started again; stopped siblings start again', () => {
    const sup = options({ strategy: 'one_for_all' });
    const table = tableOf(sup, [
      { id: 'a' },
      { id: 't', restart: 'temporary' },
      { id: 'x', ref: undefined, status: 'stopped' },
      { id: 'c' },
    ]);
    expect(planRestart(table, 'one_for_all', 'a')).toEqual({
      stop: ['c', 't'],
      start: ['a', 'x', 'c'],
    });
  });

  test('a sibling other stop work is already stopping is left to it', () => {
    const sup = options({ strategy: 'one_for_all' });
    const table = tableOf(sup, [{ id: 'a' }, { id: 'b', stopping: true }, { id: 'c' }]);
    expect(planRestart(table, 'one_for_all', 'a')).toEqual({ stop: ['c'], start: ['a', 'c'] });
  });

  test('rest_for_one on the last child, and start order kept across restarts', () => {
    const sup = options({ strategy: 'rest_for_one' });
    let table = tableOf(sup, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    // Replacing a record (a restart) keeps its place in the start order.
    table = table.update('a', { incarnation: undefined, status: 'restarting' });
    expect(table.inStartOrder().map((r) => r.spec.id)).toEqual(['a', 'b', 'c']);
    expect(planRestart(table, 'rest_for_one', 'c')).toEqual({ stop: [], start: ['c'] });
    expect(planRestart(table, 'rest_for_one', 'a')).toEqual({
      stop: ['c', 'b'],
      start: ['a', 'b', 'c'],
    });
  });
});

describe('intensity', () => {
  test('exactly N restarts within the period; the window is inclusive and slides', () => {
    expect(admitRestart([], 0, 2, 1000)).toEqual({ log: [0], allowed: true });
    expect(admitRestart([0], 100, 2, 1000)).toEqual({ log: [0, 100], allowed: true });
    expect(admitRestart([0, 100], 1000, 2, 1000)).toEqual({ log: [0, 100, 1000], allowed: false });
    expect(admitRestart([0, 100], 1001, 2, 1000)).toEqual({ log: [100, 1001], allowed: true });
    expect(admitRestart([], 0, 0, 1000).allowed).toBe(false);
  });

  test('a restart past the intensity escalates instead of restarting', () => {
    const sup = options({ intensity: 1 });
    const table = tableOf(sup, [{ id: 'a' }]);
    expect(planExit(table, sup, [900], { id: 'a', kind: 'abnormal' }, 1000, 0)).toEqual({
      kind: 'escalate',
      restartLog: [900, 1000],
    });
    // A settled exit never counts.
    const transient = tableOf(sup, [{ id: 'a', restart: 'transient' }]);
    expect(planExit(transient, sup, [900], { id: 'a', kind: 'normal' }, 1000, 0).kind).toBe(
      'settle',
    );
  });

  test('a failed start is planned like a crash, whatever the restart type', () => {
    const sup = options({ strategy: 'rest_for_one' });
    const table = tableOf(sup, [
      { id: 'a' },
      { id: 'b', restart: 'transient', ref: undefined, status: 'restarting' },
      { id: 'c', ref: undefined, status: 'restarting' },
    ]);
    expect(planFailureRestart(table, sup, [], 'b', 0, 0)).toMatchObject({
      kind: 'restart',
      stop: [],
      start: ['b', 'c'],
    });
  });
});

describe('backoff', () => {
  const policy: ResolvedBackoff = {
    minMs: 100,
    maxMs: 1000,
    factor: 2,
    jitter: 0,
    resetAfterMs: 1000,
  };

  test('min(maxMs, minMs * factor^(n-1)), capped', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(policy, n, 0.5))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
    expect(backoffDelay({ ...policy, factor: 3 }, 3, 0.5)).toBe(900);
  });

  test('jitter spreads the delay by ±jitter, at the cap too', () => {
    const jittery = { ...policy, jitter: 0.2 };
    expect(backoffDelay(jittery, 1, 0)).toBe(80);
    expect(backoffDelay(jittery, 1, 0.5)).toBe(100);
    expect(backoffDelay(jittery, 1, 0.999999)).toBe(120);
    expect(backoffDelay(jittery, 10, 0)).toBe(800);
    expect(backoffDelay(jittery, 10, 0.999999)).toBe(1200);
  });

  test('the count starts over after a run of resetAfterMs', () => {
    expect(backoffAttempt(policy, 4, 999)).toBe(5);
    expect(backoffAttempt(policy, 4, 1000)).toBe(1);
    // Never started (a failed start): no reset.
    expect(backoffAttempt(policy, 4, undefined)).toBe(5);
  });

  test('planFailureRestart: the child’s own count, its run time, its policy', () => {
    const sup = options();
    const table = tableOf(sup, [
      { id: 'a', backoff: policy, backoffAttempts: 2, startedAt: 5000 },
      { id: 'b', backoff: policy, backoffAttempts: 2, startedAt: 3000 },
      { id: 'c', backoffAttempts: 2 },
    ]);
    // a ran 100 ms: third restart, 400 ms.
    expect(planFailureRestart(table, sup, [], 'a', 5100, 0.5)).toMatchObject({
      attempt: 3,
      delayMs: 400,
    });
    // b ran 2100 ms (> resetAfterMs): from minMs again.
    expect(planFailureRestart(table, sup, [], 'b', 5100, 0.5)).toMatchObject({
      attempt: 1,
      delayMs: 100,
    });
    // No policy: immediate.
    expect(planFailureRestart(table, sup, [], 'c', 5100, 0.5)).toMatchObject({ delayMs: 0 });
  });
});

describe('ending rules', () => {
  test('any_significant: a significant child that ended for good ends the supervisor', () => {
    const sup = options({ autoShutdown: 'any_significant' });
    const table = tableOf(sup, [
      { id: 's', restart: 'transient', significant: true },
      { id: 'n', restart: 'transient' },
    ]);
    expect(endsSupervisor(table, 'any_significant', table.get('s')!)).toBe(true);
    expect(endsSupervisor(table, 'any_significant', table.get('n')!)).toBe(false);
    expect(planExit(table, sup, [], { id: 's', kind: 'normal' }, 0, 0)).toEqual({
      kind: 'settle',
      endsSupervisor: true,
    });
    // Abnormal: restarted instead.
    expect(planExit(table, sup, [], { id: 's', kind: 'abnormal' }, 0, 0).kind).toBe('restart');
  });

  test('all_significant: only once no other significant child runs or waits to restart', () => {
    const sup = options({ autoShutdown: 'all_significant' });
    const table = tableOf(sup, [
      { id: 's1', restart: 'temporary', significant: true },
      { id: 's2', restart: 'transient', significant: true, ref: undefined, status: 'restarting' },
    ]);
    expect(endsSupervisor(table, 'all_significant', table.get('s1')!)).toBe(false);
    const later = table.update('s2', { status: 'stopped' });
    expect(endsSupervisor(later, 'all_significant', later.get('s1')!)).toBe(true);
    expect(endsSupervisor(later, 'never', later.get('s1')!)).toBe(false);
  });

  test('shutdown order: the child being stopped first, then reverse start order', () => {
    const sup = options();
    const table = tableOf(sup, [
      { id: 'a' },
      { id: 'b', ref: undefined, status: 'stopped' },
      { id: 'c' },
      { id: 'd' },
    ]);
    expect(shutdownOrder(table, undefined)).toEqual(['d', 'c', 'a']);
    expect(shutdownOrder(table, 'a')).toEqual(['a', 'd', 'c']);
  });
});
