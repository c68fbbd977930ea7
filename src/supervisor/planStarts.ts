/**
 * Plans that start children: the initial children, `startChild` and
 * `restartChild`, restarts whose backoff ran out, and what a start that
 * failed means once the executor reports it.
 *
 * ```ts
 * startInitialChildren(context, at);             // every initial child, in order
 * startFailed(context, at, { type: 'otp.child.startFailed', id: 'w', incarnation, error, onFailure, skipped: [] }); // fail, retry or refuse
 * ```
 *
 * A start is an effect, so its failure is learnt after the plan: the
 * executor starts the plan's children in order, stops at the first that
 * fails, and reports it (`otp.child.startFailed`, with the starts it
 * skipped). What the failure means was decided with the start: an initial
 * child fails the supervisor (OTP's `init` failure), a restart is retried
 * and counted again, and an admin request is refused.
 */
import { SupervisorError } from '../ground/errors.js';
import type { SupervisorContext } from './childTable.js';
import { planFailureRestart } from './decisions.js';
import type { Incarnation } from './incarnation.js';
import {
  type Circumstances,
  describeCause,
  type Plan,
  PlanBuilder,
  type StartFailure,
} from './plan.js';
import { restart } from './planRestarts.js';
import type { ResolvedChildSpec } from './types.js';

/** The executor's report of a start that failed, and of the starts after it that it skipped. */
export interface StartFailedEvent {
  type: 'otp.child.startFailed';
  id: string;
  incarnation: Incarnation;
  error: unknown;
  onFailure: StartFailure;
  skipped: readonly string[];
}

export function startFailedError(
  id: string,
  error: unknown,
  restarts?: number,
  verb = 'start',
): SupervisorError {
  return new SupervisorError(
    'start_failed',
    `Child "${id}" failed to ${verb}: ${describeCause(error)}`,
    {
      cause: error,
      childId: id,
      ...(restarts === undefined ? {} : { restarts }),
    },
  );
}

/** Starts the children of the options in order; the first that cannot start fails the supervisor. */
export function startInitialChildren(context: SupervisorContext, at: Circumstances): Plan {
  const plan = new PlanBuilder(context, at);
  if (plan.ending) return plan.done();
  for (const spec of context.options.children) plan.startNew(spec, 'fail');
  return plan.done();
}

/** `startChild`: a new child, started now; on failure nothing is stored. */
export function startRequested(
  context: SupervisorContext,
  at: Circumstances,
  event: { spec: ResolvedChildSpec },
): Plan {
  const plan = new PlanBuilder(context, at);
  plan.startNew(event.spec, 'forget');
  return plan.done();
}

/** `restartChild`: a stopped child started from its spec; on failure it stays stopped. */
export function restartRequested(
  context: SupervisorContext,
  at: Circumstances,
  event: { id: string },
): Plan {
  const plan = new PlanBuilder(context, at);
  plan.startRecord(plan.table.get(event.id)!, 'keep');
  return plan.done();
}

/** Restarts whose backoff has run out start now. */
export function startDueRestarts(context: SupervisorContext, at: Circumstances): Plan {
  const plan = new PlanBuilder(context, at);
  plan.startDueRestarts();
  return plan.done();
}

/**
 * A start failed (the executor found out): the children it skipped are
 * back as they were, and the failed one is handled as its start planned.
 * A report about an incarnation the table no longer holds is old news.
 */
export function startFailed(
  context: SupervisorContext,
  at: Circumstances,
  failure: StartFailedEvent,
): Plan {
  const plan = new PlanBuilder(context, at);
  const record = plan.table.get(failure.id);
  if (record === undefined || record.incarnation !== failure.incarnation) return plan.done();
  // The failed start and those skipped after it never ran: a new child is
  // forgotten, a kept one is stopped again, a restart waits to be retried.
  const { onFailure } = failure;
  for (const id of [failure.id, ...failure.skipped]) {
    const unstarted = plan.table.get(id);
    if (unstarted?.incarnation === undefined || unstarted.incarnation.ref !== undefined) continue;
    if (onFailure === 'fail' || onFailure === 'forget') plan.table = plan.table.remove(id);
    else {
      const status = onFailure === 'retry' ? 'restarting' : 'stopped';
      plan.table = plan.table.update(id, { incarnation: undefined, status });
    }
  }
  plan.emit({ type: 'child.startFailed', id: failure.id, error: failure.error });
  if (onFailure === 'fail') {
    // OTP: a child that cannot start fails the supervisor's own start.
    plan.fail(startFailedError(failure.id, failure.error, plan.totalRestarts));
  } else if (onFailure === 'retry') {
    if (plan.ending) plan.settle(failure.id);
    // Counted again, planned again: a restart that cannot start is a crash (OTP).
    else
      restart(
        plan,
        failure.id,
        planFailureRestart(
          plan.table,
          plan.options,
          plan.restartLog,
          failure.id,
          at.now,
          at.random(),
        ),
        failure.error,
      );
  }
  return plan.done();
}
