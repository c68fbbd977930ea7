/**
 * What a supervisor decides, pure: whether an exit means a restart, whether
 * a restart is allowed (intensity) and how (strategy, backoff), and whether
 * a child's end ends the supervisor (autoShutdown). The machine applies the
 * plans these return; they touch no actor, so they are tested without one.
 *
 * ```ts
 * planExit(table, options, restartLog, { id: 'w', kind: 'abnormal' }, now, Math.random());
 * // { kind: 'restart', restartLog, attempt: 1, delayMs: 0, stop: [], start: ['w'] }
 * // { kind: 'escalate', restartLog }            : the (intensity+1)-th restart within period
 * // { kind: 'settle', endsSupervisor: false }   : not restarted (transient normal exit, temporary)
 * ```
 */
import { backoffAttempt, backoffDelay } from './backoff.js';
import type { ChildRecord, ChildTable } from './childTable.js';
import { admitRestart } from './intensity.js';
import { planRestart } from './strategy.js';
import type { AutoShutdown, ResolvedSupervisorOptions, RestartType } from './types.js';

/** Reached a final state: normal. Errored: abnormal. (Stopped by the supervisor is neither.) */
export type ExitKind = 'normal' | 'abnormal';

/** OTP restart types: permanent always, transient after an abnormal exit, temporary never. */
export function restartsAfter(restart: RestartType, kind: ExitKind): boolean {
  return restart === 'permanent' || (restart === 'transient' && kind === 'abnormal');
}

/**
 * Whether `ended`, a child that ended for good (not to be restarted), ends
 * the supervisor: `any_significant` on any significant child,
 * `all_significant` once no other significant child runs or waits to restart.
 */
export function endsSupervisor(
  table: ChildTable,
  autoShutdown: AutoShutdown,
  ended: ChildRecord,
): boolean {
  if (!ended.spec.significant || autoShutdown === 'never') return false;
  if (autoShutdown === 'any_significant') return true;
  return table
    .inStartOrder()
    .every(
      (other) =>
        other.spec.id === ended.spec.id || !other.spec.significant || other.status === 'stopped',
    );
}

export type RestartDecision =
  | { kind: 'escalate'; restartLog: number[] }
  | {
      kind: 'restart';
      restartLog: number[];
      /** The failed child's consecutive restart number (backoff's n). */
      attempt: number;
      /** How long the restart waits (0 without backoff). */
      delayMs: number;
      stop: string[];
      start: string[];
    };

/**
 * Child `id` must be started again (it exited as its restart type says, or
 * its restart failed): counted toward intensity now, when decided; if the
 * window is full the supervisor escalates, else the strategy says what else
 * stops and starts and the child's backoff how long it waits.
 */
export function planFailureRestart(
  table: ChildTable,
  options: ResolvedSupervisorOptions,
  restartLog: readonly number[],
  id: string,
  now: number,
  random: number,
): RestartDecision {
  const admitted = admitRestart(restartLog, now, options.intensity, options.period);
  if (!admitted.allowed) return { kind: 'escalate', restartLog: admitted.log };
  const record = table.get(id)!;
  const policy = record.spec.backoff;
  const ranForMs = record.startedAt === undefined ? undefined : now - record.startedAt;
  const attempt = policy ? backoffAttempt(policy, record.backoffAttempts, ranForMs) : 0;
  const delayMs = policy ? backoffDelay(policy, attempt, random) : 0;
  return {
    kind: 'restart',
    restartLog: admitted.log,
    attempt,
    delayMs,
    ...planRestart(table, options.strategy, id),
  };
}

export type ExitDecision = { kind: 'settle'; endsSupervisor: boolean } | RestartDecision;

/** A running child exited on its own (not asked to stop): what now. */
export function planExit(
  table: ChildTable,
  options: ResolvedSupervisorOptions,
  restartLog: readonly number[],
  exit: { id: string; kind: ExitKind },
  now: number,
  random: number,
): ExitDecision {
  const record = table.get(exit.id)!;
  if (!restartsAfter(record.spec.restart, exit.kind)) {
    return { kind: 'settle', endsSupervisor: endsSupervisor(table, options.autoShutdown, record) };
  }
  return planFailureRestart(table, options, restartLog, exit.id, now, random);
}

/**
 * The order an ending supervisor stops its children in: the child already
 * being stopped first, then every other child with a running incarnation in
 * reverse start order.
 */
export function shutdownOrder(table: ChildTable, inFlight: string | undefined): string[] {
  const order: string[] = [];
  if (inFlight !== undefined && table.get(inFlight)?.incarnation !== undefined)
    order.push(inFlight);
  const records = table.inStartOrder();
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i]!;
    if (record.incarnation !== undefined && record.spec.id !== inFlight) order.push(record.spec.id);
  }
  return order;
}
