/**
 * Plans that stop children: the stop work one child at a time (a strategy's
 * restart, `terminateChild`, the supervisor's end), `deleteChild`, and the
 * end itself.
 *
 * ```ts
 * beginEnding(context, at);       // every child queued, reverse start order
 * stopHeadNow(context, at);       // the head stopped at once (brutal_kill, or its grace ran out)
 * stopHeadExited(context, at);    // the head, asked to shut down, is gone
 * ```
 *
 * A child that can answer `SHUTDOWN_EVENT` is asked, and waited for within
 * its `shutdown` grace (the machine's `stopSequence` does the asking and the
 * waiting); any other child is stopped at once.
 */
import { type RestartBatch, type SupervisorContext, stopHeadId } from './childTable.js';
import { shutdownOrder } from './decisions.js';
import { refOf } from './incarnation.js';
import { type Circumstances, type Plan, PlanBuilder } from './plan.js';

/** The stop work's head is stopped now (or was already gone). */
export function stopHeadNow(context: SupervisorContext, at: Circumstances): Plan {
  const plan = new PlanBuilder(context, at);
  const id = plan.popStopHead();
  const record = plan.table.get(id);
  if (record?.incarnation !== undefined) {
    plan.stop(record.incarnation);
    plan.settle(id);
  }
  return plan.done();
}

/** The stop work's head, asked to shut down, has gone. */
export function stopHeadExited(context: SupervisorContext, at: Circumstances): Plan {
  const plan = new PlanBuilder(context, at);
  const id = plan.popStopHead();
  const incarnation = plan.table.get(id)?.incarnation;
  if (incarnation !== undefined) {
    plan.reap(incarnation);
    plan.settle(id);
  }
  return plan.done();
}

/** The head is asked to shut down: its grace starts now (a head already asked keeps its deadline). */
export function markStopHeadAsked(context: SupervisorContext, now: number): SupervisorContext {
  const id = stopHeadId(context)!;
  const record = context.table.get(id)!;
  if (record.stopDeadline !== undefined) return context;
  const { shutdown } = record.spec;
  const stopDeadline = typeof shutdown === 'number' ? now + shutdown : Number.POSITIVE_INFINITY;
  return { ...context, table: context.table.update(id, { stopDeadline }) };
}

/**
 * The current stop job is done: its restarts, and any that fell due
 * meanwhile, start now; the others wait out their backoff.
 */
export function finishStopJob(context: SupervisorContext, at: Circumstances): Plan {
  const plan = new PlanBuilder(context, at);
  const [job, ...rest] = plan.stopWork;
  plan.stopWork = rest;
  const batch = job?.restartAfter;
  if (batch && !plan.ending) plan.pendingRestarts = [...plan.pendingRestarts, batch];
  plan.startDueRestarts();
  return plan.done();
}

/**
 * The supervisor ends: nothing restarts any more, and every child with an
 * incarnation is stopped, the one already being stopped first, then the
 * rest in reverse start order.
 */
export function beginEnding(context: SupervisorContext, at: Circumstances): Plan {
  const plan = new PlanBuilder(context, at);
  const head = stopHeadId(context);
  const inFlight =
    head !== undefined && plan.table.get(head)?.stopDeadline !== undefined ? head : undefined;
  const order = shutdownOrder(plan.table, inFlight);
  plan.stopWork = order.length > 0 ? [{ ids: order, restartAfter: undefined }] : [];
  plan.pendingRestarts = [];
  for (const record of plan.table.inStartOrder()) {
    const { id } = record.spec;
    if (record.incarnation !== undefined) plan.table = plan.table.update(id, { stopping: true });
    else if (record.status === 'restarting') plan.settle(id);
  }
  return plan.done();
}

/** `deleteChild`: a stopped child's spec is forgotten. */
export function deleteRequested(
  context: SupervisorContext,
  at: Circumstances,
  event: { id: string },
): Plan {
  const plan = new PlanBuilder(context, at);
  plan.table = plan.table.remove(event.id);
  plan.notify(event.id);
  return plan.done();
}

/**
 * `terminateChild`: the child stops as its `shutdown` says and is not
 * restarted; a restart it was waiting for is given up.
 */
export function terminateRequested(
  context: SupervisorContext,
  at: Circumstances,
  event: { id: string },
): Plan {
  const { id } = event;
  const plan = new PlanBuilder(context, at);
  const record = plan.table.get(id);
  if (!record) return plan.done();
  const withoutId = (batch: RestartBatch) => ({ ...batch, ids: batch.ids.filter((i) => i !== id) });
  plan.stopWork = plan.stopWork.map((job) =>
    job.restartAfter ? { ...job, restartAfter: withoutId(job.restartAfter) } : job,
  );
  plan.pendingRestarts = plan.pendingRestarts
    .map(withoutId)
    .filter((batch) => batch.ids.length > 0);
  if (record.incarnation === undefined) {
    if (record.status === 'restarting') {
      plan.table = plan.table.update(id, { nextRestartAt: undefined });
      plan.settle(id);
    }
    return plan.done();
  }
  if (record.stopping) return plan.done();
  const atOnce = record.spec.shutdown === 'brutal_kill' || !at.answersShutdown(refOf(record));
  if (atOnce && plan.stopWork.length === 0) {
    // It would be the next and only child to stop, at once: no stop work needed.
    plan.stop(record.incarnation);
    plan.settle(id);
    return plan.done();
  }
  plan.table = plan.table.update(id, { stopping: true });
  plan.stopWork = [...plan.stopWork, { ids: [id], restartAfter: undefined }];
  return plan.done();
}
