/**
 * Carrying out a restart decision (`decisions.ts`): the restarted child and
 * the others its strategy takes along wait, are stopped first, or start at
 * once; the decision to give up fails the supervisor.
 *
 * ```ts
 * import { planFailureRestart } from './decisions.js';
 *
 * restart(plan, 'w', planFailureRestart(table, options, restartLog, 'w', now, Math.random()), error);
 * // one_for_one without backoff: w restarting, then running again, in one plan
 * // one_for_all: the others queued as stop work, all started again once they are gone
 * ```
 */
import { SupervisorError } from '../ground/errors.js';
import type { ChildRecord, RestartBatch } from './childTable.js';
import type { RestartDecision } from './decisions.js';
import { describeCause, type PlanBuilder } from './plan.js';

function intensityError(plan: PlanBuilder, id: string, cause: unknown): SupervisorError {
  const { intensity, period } = plan.options;
  return new SupervisorError(
    'max_restart_intensity',
    `Reached the maximum restart intensity (${intensity} restarts within ${period} ms); the last failure was child "${id}": ${describeCause(cause)}. The supervisor stopped its children and gave up; its parent decides what happens next.`,
    { cause, childId: id, restarts: plan.totalRestarts },
  );
}

/** Applies an allowed restart of `id` (counted now, when decided), or escalates. */
export function restart(
  plan: PlanBuilder,
  id: string,
  decision: RestartDecision,
  cause: unknown,
): void {
  plan.restartLog = decision.restartLog;
  if (decision.kind === 'escalate') {
    plan.set(id, {
      incarnation: undefined,
      status: 'stopped',
      stopping: false,
      nextRestartAt: undefined,
    });
    plan.fail(intensityError(plan, id, cause));
    return;
  }
  plan.totalRestarts += 1;
  const record = plan.table.get(id)!;
  const dueAt = plan.at.now + decision.delayMs;
  const nextRestartAt = decision.delayMs > 0 ? dueAt : undefined;
  const restarting: ChildRecord = {
    ...record,
    incarnation: undefined,
    status: 'restarting',
    restarts: record.restarts + 1,
    backoffAttempts: decision.attempt,
    stopping: false,
    stopDeadline: undefined,
    nextRestartAt,
  };
  if (decision.stop.length === 0 && decision.delayMs <= 0 && decision.start.length === 1) {
    // Restarted at once: announced as restarting, stored once, as started.
    plan.effects.push({
      type: 'notify',
      id,
      record: restarting,
      totalRestarts: plan.totalRestarts,
    });
    if (!plan.ending) plan.startRecord(restarting, 'retry');
    else plan.table = plan.table.put(restarting);
    return;
  }
  plan.table = plan.table.put(restarting);
  plan.notify(id, restarting);
  for (const other of decision.stop) {
    plan.table = plan.table.update(other, { stopping: true });
    if (decision.start.includes(other)) plan.set(other, { status: 'restarting', nextRestartAt });
  }
  for (const other of decision.start) {
    if (other !== id && !decision.stop.includes(other)) {
      plan.set(other, { status: 'restarting', nextRestartAt });
    }
  }
  const batch: RestartBatch = { ids: decision.start, dueAt };
  if (decision.stop.length > 0) {
    plan.stopWork = [...plan.stopWork, { ids: decision.stop, restartAfter: batch }];
  } else if (decision.delayMs <= 0) {
    plan.startBatch(batch);
  } else {
    plan.pendingRestarts = [...plan.pendingRestarts, batch];
  }
}
