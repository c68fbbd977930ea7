/**
 * The supervisor's steps: each turns its context and one happening (a child
 * exited, a restart is due, an admin request…) into a new context, the
 * events to emit and the restarts to retry. The machine applies a step with
 * `assign`, `emit` and `sendTo`; nothing here changes a context or a table
 * in place.
 *
 * ```ts
 * const step = childExited(context, effects, { id: 'w', kind: 'abnormal', error });
 * step.context;   // the new context: w restarted (or restarting, or the supervisor ending)
 * step.emitted;   // [{ type: 'child.changed', id: 'w', status: 'restarting', … }, { … 'running' … }]
 * step.retries;   // starts that failed, to retry through the mailbox
 * ```
 *
 * The decisions come from the pure planners (`decisions.ts`, `strategy.ts`,
 * `backoff.ts`, `intensity.ts`). The only effects are the two `effects`
 * offers: starting a child, which decides its record, and stopping one.
 */
import type { AnyActorRef } from 'xstate';
import { errorMessage } from '../ground/errorMessage.js';
import { SupervisorError } from '../ground/errors.js';
import { capReason } from '../ground/limits.js';
import {
  awaitsRestart,
  type ChildRecord,
  type ChildTable,
  childChanged,
  type Ending,
  type RestartBatch,
  type StopJob,
  type SupervisorContext,
  stopHeadId,
} from './childTable.js';
import {
  type ExitKind,
  planExit,
  planFailureRestart,
  type RestartDecision,
  shutdownOrder,
} from './decisions.js';
import type { ResolvedChildSpec, SupervisorEmitted } from './types.js';

export interface StepEffects {
  /** The system clock, now. */
  now: number;
  /** Jitter for backoff, in [0, 1). */
  random(): number;
  /** Starts a child's actor; throws when the start fails. */
  start(spec: ResolvedChildSpec): AnyActorRef;
  /** Stops an incarnation at once. */
  stop(ref: AnyActorRef | undefined): void;
  /** Stops what an incarnation that ended left running. */
  reap(ref: AnyActorRef): void;
  /** Whether a running incarnation can be asked to shut down (else it is stopped at once). */
  answersShutdown(ref: AnyActorRef): boolean;
}

export interface RetryRequest {
  id: string;
  error: unknown;
}

export interface Step {
  context: SupervisorContext;
  emitted: SupervisorEmitted[];
  retries: RetryRequest[];
}

type RecordPatch = Partial<Omit<ChildRecord, 'spec' | 'order'>>;

/** A start time is kept only where a backoff reads it: one number less per child otherwise. */
function startTime(spec: ResolvedChildSpec, now: number): number | undefined {
  return spec.backoff ? now : undefined;
}

function describe(error: unknown): string {
  return capReason(errorMessage(error).replace(/\.$/, ''));
}

/**
 * A step in the making: the pieces of the next context, as local variables
 * that each hold an immutable value, plus what the step emits.
 */
class Draft {
  table: ChildTable;
  restartLog: readonly number[];
  totalRestarts: number;
  stopWork: readonly StopJob[];
  pendingRestarts: readonly RestartBatch[];
  ending: Ending | undefined;
  readonly emitted: SupervisorEmitted[] = [];
  readonly retries: RetryRequest[] = [];
  private readonly base: SupervisorContext;
  readonly fx: StepEffects;

  constructor(base: SupervisorContext, fx: StepEffects) {
    this.base = base;
    this.fx = fx;
    this.table = base.table;
    this.restartLog = base.restartLog;
    this.totalRestarts = base.totalRestarts;
    this.stopWork = base.stopWork;
    this.pendingRestarts = base.pendingRestarts;
    this.ending = base.ending;
  }

  get options() {
    return this.base.options;
  }

  /** The context as it is so far: what `awaitsRestart` and the planners read. */
  get context(): SupervisorContext {
    return {
      ...this.base,
      table: this.table,
      restartLog: this.restartLog,
      totalRestarts: this.totalRestarts,
      stopWork: this.stopWork,
      pendingRestarts: this.pendingRestarts,
      ending: this.ending,
    };
  }

  /** The step; its context is the one it started from when nothing changed. */
  done(): Step {
    const { base } = this;
    const unchanged =
      this.table === base.table &&
      this.restartLog === base.restartLog &&
      this.totalRestarts === base.totalRestarts &&
      this.stopWork === base.stopWork &&
      this.pendingRestarts === base.pendingRestarts &&
      this.ending === base.ending;
    return {
      context: unchanged ? base : this.context,
      emitted: this.emitted,
      retries: this.retries,
    };
  }

  notify(id: string): void {
    this.emitted.push(childChanged(id, this.table.get(id), this.totalRestarts));
  }

  set(id: string, patch: RecordPatch, from = this.table.get(id)!): void {
    const record = { ...from, ...patch };
    this.table = this.table.put(record);
    this.emitted.push(childChanged(id, record, this.totalRestarts));
  }

  end(ending: Ending): void {
    this.ending ??= ending;
  }

  /**
   * Starts a new child and adds it to the table. A failed start emits
   * `child.startFailed`, adds nothing and returns `{ error }`.
   */
  startNew(spec: ResolvedChildSpec): { error: unknown } | undefined {
    try {
      const ref = this.fx.start(spec);
      this.table = this.table.add(spec, { ref, startedAt: startTime(spec, this.fx.now) });
      this.notify(spec.id);
      return undefined;
    } catch (error) {
      this.emitted.push({ type: 'child.startFailed', id: spec.id, error });
      return { error };
    }
  }

  /** The child is gone: it waits for its restart, or is stopped (a temporary one is dropped). */
  settle(id: string): void {
    const record = this.table.get(id);
    if (!record) return;
    const next = awaitsRestart(this.context, id) ? 'restarting' : 'stopped';
    if (next === 'stopped' && record.spec.restart === 'temporary') {
      this.table = this.table.remove(id);
      this.notify(id);
      return;
    }
    this.set(id, { ref: undefined, status: next, stopping: false, stopDeadline: undefined });
  }

  /** Starts every pending restart whose backoff has run out; the others keep waiting. */
  startDueRestarts(): void {
    const { now } = this.fx;
    const due = this.pendingRestarts.filter((batch) => batch.dueAt <= now);
    this.pendingRestarts = this.pendingRestarts.filter((batch) => batch.dueAt > now);
    for (const batch of due) this.startBatch(batch);
  }

  /** Starts the children of `batch` in order; a failed start ends the batch and is retried. */
  startBatch(batch: RestartBatch): void {
    if (this.ending) return;
    for (const id of batch.ids) {
      const record = this.table.get(id);
      // Terminated (or deleted) while it waited: not restarted.
      if (record?.status !== 'restarting' || record.ref !== undefined) continue;
      if (!this.startRecord(record)) return;
    }
  }

  /**
   * (Re)starts a child whose record exists, from `record` (its record as
   * it is, or as it was just announced); on failure it stays `restarting`,
   * retried later.
   */
  startRecord(record: ChildRecord): boolean {
    const { id } = record.spec;
    try {
      const ref = this.fx.start(record.spec);
      const started: RecordPatch = {
        ref,
        status: 'running',
        startedAt: startTime(record.spec, this.fx.now),
        nextRestartAt: undefined,
      };
      this.set(id, started, record);
      return true;
    } catch (error) {
      const failed: RecordPatch = {
        status: 'restarting',
        startedAt: undefined,
        nextRestartAt: undefined,
      };
      this.set(id, failed, record);
      this.emitted.push({ type: 'child.startFailed', id, error });
      this.retries.push({ id, error });
      return false;
    }
  }

  /** Applies an allowed restart of `id` (counted now), or escalates. */
  restart(id: string, decision: RestartDecision, cause: unknown): void {
    this.restartLog = decision.restartLog;
    if (decision.kind === 'escalate') {
      this.set(id, {
        ref: undefined,
        status: 'stopped',
        stopping: false,
        nextRestartAt: undefined,
      });
      this.end({ kind: 'fail', error: this.intensityError(id, cause) });
      return;
    }
    this.totalRestarts += 1;
    const record = this.table.get(id)!;
    const dueAt = this.fx.now + decision.delayMs;
    const nextRestartAt = decision.delayMs > 0 ? dueAt : undefined;
    const restarting: ChildRecord = {
      ...record,
      ref: undefined,
      status: 'restarting',
      restarts: record.restarts + 1,
      backoffAttempts: decision.attempt,
      stopping: false,
      stopDeadline: undefined,
      nextRestartAt,
    };
    if (decision.stop.length === 0 && decision.delayMs <= 0 && decision.start.length === 1) {
      // Restarted at once: announced as restarting, stored once, as started.
      this.emitted.push(childChanged(id, restarting, this.totalRestarts));
      if (!this.ending) this.startRecord(restarting);
      else this.table = this.table.put(restarting);
      return;
    }
    this.table = this.table.put(restarting);
    this.emitted.push(childChanged(id, restarting, this.totalRestarts));
    for (const other of decision.stop) {
      this.table = this.table.update(other, { stopping: true });
      if (decision.start.includes(other)) this.set(other, { status: 'restarting', nextRestartAt });
    }
    for (const other of decision.start) {
      if (other !== id && !decision.stop.includes(other)) {
        this.set(other, { status: 'restarting', nextRestartAt });
      }
    }
    const batch: RestartBatch = { ids: decision.start, dueAt };
    if (decision.stop.length > 0) {
      this.stopWork = [...this.stopWork, { ids: decision.stop, restartAfter: batch }];
    } else if (decision.delayMs <= 0) {
      this.startBatch(batch);
    } else {
      this.pendingRestarts = [...this.pendingRestarts, batch];
    }
  }

  intensityError(id: string, cause: unknown): SupervisorError {
    const { intensity, period } = this.options;
    return new SupervisorError(
      'max_restart_intensity',
      `Reached the maximum restart intensity (${intensity} restarts within ${period} ms); the last failure was child "${id}": ${describe(cause)}. The supervisor stopped its children and gave up; its parent decides what happens next.`,
      { cause, childId: id, restarts: this.totalRestarts },
    );
  }

  /** Pops the head of the stop work. */
  popStopHead(): string {
    const [job, ...rest] = this.stopWork;
    this.stopWork = [{ ids: job!.ids.slice(1), restartAfter: job!.restartAfter }, ...rest];
    return job!.ids[0]!;
  }
}

export function startFailedError(
  id: string,
  error: unknown,
  restarts?: number,
  verb = 'start',
): SupervisorError {
  return new SupervisorError(
    'start_failed',
    `Child "${id}" failed to ${verb}: ${describe(error)}`,
    {
      cause: error,
      childId: id,
      ...(restarts === undefined ? {} : { restarts }),
    },
  );
}

/** Starts the children of the options in order; the first that cannot start fails the supervisor. */
export function startInitialChildren(context: SupervisorContext, fx: StepEffects): Step {
  const draft = new Draft(context, fx);
  if (draft.ending) return draft.done();
  for (const spec of context.options.children) {
    const failed = draft.startNew(spec);
    if (!failed) continue;
    // OTP: a child that cannot start fails the supervisor's own start.
    draft.end({
      kind: 'fail',
      error: startFailedError(spec.id, failed.error, draft.totalRestarts),
    });
    break;
  }
  return draft.done();
}

/**
 * A child's current incarnation ended on its own (the machine has checked
 * it is not an earlier one's late news).
 */
export function childExited(
  context: SupervisorContext,
  fx: StepEffects,
  exit: { id: string; kind: ExitKind; error?: unknown },
): Step {
  const draft = new Draft(context, fx);
  const record = draft.table.get(exit.id)!;
  fx.reap(record.ref!);
  if (record.stopping || draft.ending) {
    // Asked to stop and left on its own: not a failure (OTP unlinks first).
    draft.settle(exit.id);
    return draft.done();
  }
  const decision = planExit(
    draft.table,
    draft.options,
    draft.restartLog,
    exit,
    fx.now,
    fx.random(),
  );
  if (decision.kind === 'settle') {
    draft.settle(exit.id);
    if (decision.endsSupervisor) draft.end({ kind: 'auto_shutdown' });
    return draft.done();
  }
  const cause = exit.kind === 'abnormal' ? exit.error : new Error('exited normally');
  draft.restart(exit.id, decision, cause);
  return draft.done();
}

/** A restart that failed to start, retried: counted again, planned again. */
export function retryStart(context: SupervisorContext, fx: StepEffects, retry: RetryRequest): Step {
  const draft = new Draft(context, fx);
  const decision = planFailureRestart(
    draft.table,
    draft.options,
    draft.restartLog,
    retry.id,
    fx.now,
    fx.random(),
  );
  draft.restart(retry.id, decision, retry.error);
  return draft.done();
}

/** Restarts whose backoff has run out start now. */
export function startDueRestarts(context: SupervisorContext, fx: StepEffects): Step {
  const draft = new Draft(context, fx);
  draft.startDueRestarts();
  return draft.done();
}

/** The stop work's head is stopped now (or was already gone). */
export function stopHeadNow(context: SupervisorContext, fx: StepEffects): Step {
  const draft = new Draft(context, fx);
  const id = draft.popStopHead();
  const record = draft.table.get(id);
  if (record?.ref !== undefined) {
    fx.stop(record.ref);
    draft.settle(id);
  }
  return draft.done();
}

/** The stop work's head, asked to shut down, has gone. */
export function stopHeadExited(context: SupervisorContext, fx: StepEffects): Step {
  const draft = new Draft(context, fx);
  const id = draft.popStopHead();
  const ref = draft.table.get(id)?.ref;
  if (ref !== undefined) {
    fx.reap(ref);
    draft.settle(id);
  }
  return draft.done();
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
export function finishStopJob(context: SupervisorContext, fx: StepEffects): Step {
  const draft = new Draft(context, fx);
  const [job, ...rest] = draft.stopWork;
  draft.stopWork = rest;
  const batch = job?.restartAfter;
  if (batch && !draft.ending) draft.pendingRestarts = [...draft.pendingRestarts, batch];
  // Restarts that fell due while children were being stopped start now.
  draft.startDueRestarts();
  return draft.done();
}

/**
 * The supervisor ends: nothing restarts any more, and every child with an
 * incarnation is stopped, the one already being stopped first, then the
 * rest in reverse start order.
 */
export function beginEnding(context: SupervisorContext, fx: StepEffects): Step {
  const draft = new Draft(context, fx);
  const head = stopHeadId(context);
  const inFlight =
    head !== undefined && draft.table.get(head)?.stopDeadline !== undefined ? head : undefined;
  const order = shutdownOrder(draft.table, inFlight);
  draft.stopWork = order.length > 0 ? [{ ids: order, restartAfter: undefined }] : [];
  draft.pendingRestarts = [];
  for (const record of draft.table.inStartOrder()) {
    const { id } = record.spec;
    if (record.ref !== undefined) draft.table = draft.table.update(id, { stopping: true });
    else if (record.status === 'restarting') draft.settle(id);
  }
  return draft.done();
}

/** `startChild`: a new child, started now; on failure nothing is stored. */
export function startRequested(
  context: SupervisorContext,
  fx: StepEffects,
  spec: ResolvedChildSpec,
): Step {
  const draft = new Draft(context, fx);
  draft.startNew(spec);
  return draft.done();
}

/** `restartChild`: a stopped child started from its spec; on failure it stays stopped. */
export function restartRequested(context: SupervisorContext, fx: StepEffects, id: string): Step {
  const draft = new Draft(context, fx);
  const record = draft.table.get(id)!;
  try {
    const ref = fx.start(record.spec);
    draft.set(id, { ref, status: 'running', startedAt: startTime(record.spec, fx.now) });
  } catch (error) {
    draft.emitted.push({ type: 'child.startFailed', id, error });
  }
  return draft.done();
}

/** `deleteChild`: a stopped child's spec is forgotten. */
export function deleteRequested(context: SupervisorContext, fx: StepEffects, id: string): Step {
  const draft = new Draft(context, fx);
  draft.table = draft.table.remove(id);
  draft.notify(id);
  return draft.done();
}

/**
 * `terminateChild`: the child stops as its `shutdown` says and is not
 * restarted; a restart it was waiting for is given up.
 */
export function terminateRequested(context: SupervisorContext, fx: StepEffects, id: string): Step {
  const draft = new Draft(context, fx);
  const record = draft.table.get(id);
  if (!record) return draft.done();
  const withoutId = (batch: RestartBatch) => ({ ...batch, ids: batch.ids.filter((i) => i !== id) });
  draft.stopWork = draft.stopWork.map((job) =>
    job.restartAfter ? { ...job, restartAfter: withoutId(job.restartAfter) } : job,
  );
  draft.pendingRestarts = draft.pendingRestarts
    .map(withoutId)
    .filter((batch) => batch.ids.length > 0);
  if (record.ref === undefined) {
    if (record.status === 'restarting') {
      draft.table = draft.table.update(id, { nextRestartAt: undefined });
      draft.settle(id);
    }
    return draft.done();
  }
  if (record.stopping) return draft.done();
  const atOnce = record.spec.shutdown === 'brutal_kill' || !fx.answersShutdown(record.ref);
  if (atOnce && draft.stopWork.length === 0) {
    // It would be the next and only child to stop, at once: no stop work needed.
    fx.stop(record.ref);
    draft.settle(id);
    return draft.done();
  }
  draft.table = draft.table.update(id, { stopping: true });
  draft.stopWork = [...draft.stopWork, { ids: [id], restartAfter: undefined }];
  return draft.done();
}
