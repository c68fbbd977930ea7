/**
 * A plan: what a supervisor does about one happening, computed purely. A
 * planner (`planStarts.ts`, `planExits.ts`, `planStops.ts`) turns the
 * context and the happening into the next context and the effects that
 * carry it out; the machine assigns the one and hands the other to the
 * executor (`executor.ts`), which XState runs as an action.
 *
 * ```ts
 * import { childExited } from './planExits.js';
 *
 * const plan = childExited(context, circumstances, { id: 'w', kind: 'abnormal', error });
 * plan.context;   // w restarting (or restarted, or the supervisor ending)
 * plan.effects;   // [{ type: 'reap', … }, { type: 'notify', id: 'w', … }, { type: 'start', … }, …]
 * ```
 *
 * Nothing here starts or stops an actor, and nothing changes a context or a
 * table in place: a `PlanBuilder` holds the pieces of the next context as
 * locals that each hold an immutable value, and the effects in order.
 */
import type { AnyActorRef } from 'xstate';
import { errorMessage } from '../ground/errorMessage.js';
import type { SupervisorError } from '../ground/errors.js';
import { capReason } from '../ground/limits.js';
import {
  awaitsRestart,
  type ChildRecord,
  type ChildTable,
  type Ending,
  type RestartBatch,
  type StopJob,
  type SupervisorContext,
} from './childTable.js';
import { type Incarnation, newIncarnation } from './incarnation.js';
import type { ResolvedChildSpec, SupervisorEmitted } from './types.js';

/**
 * What a failed start means, decided when the start is planned: the
 * supervisor fails (an initial child: OTP's `init` failure), the restart is
 * retried (counted again), or the request is refused: `startChild` stores
 * nothing (`forget`), `restartChild` leaves the child stopped (`keep`).
 */
export type StartFailure = 'fail' | 'retry' | 'forget' | 'keep';

export type Effect =
  /** Start the child's actor into `incarnation`; a failure skips the plan's later starts. */
  | {
      type: 'start';
      spec: ResolvedChildSpec;
      incarnation: Incarnation;
      onFailure: StartFailure;
    }
  /** Stop an incarnation at once (no exit actions: XState's stop). */
  | { type: 'stop'; incarnation: Incarnation }
  /** Stop what an incarnation that ended left running. */
  | { type: 'reap'; incarnation: Incarnation }
  /** Emit `child.changed` for the record as planned; its ref is read when emitted. */
  | { type: 'notify'; id: string; record: ChildRecord | undefined; totalRestarts: number }
  | { type: 'emit'; event: SupervisorEmitted };

export interface Plan {
  readonly context: SupervisorContext;
  readonly effects: readonly Effect[];
}

/** What a planner may read besides the context: the clock, jitter, and whether a child answers. */
export interface Circumstances {
  /** The system clock, now. */
  now: number;
  /** Jitter for backoff, in [0, 1). */
  random(): number;
  /** Whether a running incarnation can be asked to shut down (else it is stopped at once). */
  answersShutdown(ref: AnyActorRef | undefined): boolean;
}

type RecordPatch = Partial<Omit<ChildRecord, 'spec' | 'order'>>;

/** A child's failure as a supervisor error's message names it: one line, capped. */
export function describeCause(error: unknown): string {
  return capReason(errorMessage(error).replace(/\.$/, ''));
}

/** A start time is kept only where a backoff reads it: one number less per child otherwise. */
export function startTime(spec: ResolvedChildSpec, now: number): number | undefined {
  return spec.backoff ? now : undefined;
}

export class PlanBuilder {
  table: ChildTable;
  restartLog: readonly number[];
  totalRestarts: number;
  stopWork: readonly StopJob[];
  pendingRestarts: readonly RestartBatch[];
  ending: Ending | undefined;
  readonly effects: Effect[] = [];
  readonly base: SupervisorContext;
  readonly at: Circumstances;

  constructor(base: SupervisorContext, at: Circumstances) {
    this.base = base;
    this.at = at;
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

  /** The plan; its context is the one it started from when nothing changed. */
  done(): Plan {
    const { base } = this;
    const unchanged =
      this.table === base.table &&
      this.restartLog === base.restartLog &&
      this.totalRestarts === base.totalRestarts &&
      this.stopWork === base.stopWork &&
      this.pendingRestarts === base.pendingRestarts &&
      this.ending === base.ending;
    return { context: unchanged ? base : this.context, effects: this.effects };
  }

  notify(id: string, record = this.table.get(id)): void {
    this.effects.push({ type: 'notify', id, record, totalRestarts: this.totalRestarts });
  }

  emit(event: SupervisorEmitted): void {
    this.effects.push({ type: 'emit', event });
  }

  set(id: string, patch: RecordPatch, from = this.table.get(id)!): void {
    const record = { ...from, ...patch };
    this.table = this.table.put(record);
    this.notify(id, record);
  }

  end(ending: Ending): void {
    this.ending ??= ending;
  }

  stop(incarnation: Incarnation | undefined): void {
    if (incarnation) this.effects.push({ type: 'stop', incarnation });
  }

  reap(incarnation: Incarnation | undefined): void {
    if (incarnation) this.effects.push({ type: 'reap', incarnation });
  }

  /** A new child, added to the table and started. */
  startNew(spec: ResolvedChildSpec, onFailure: StartFailure): void {
    const incarnation = newIncarnation();
    this.table = this.table.add(spec, { incarnation, startedAt: startTime(spec, this.at.now) });
    this.effects.push({ type: 'start', spec, incarnation, onFailure });
    this.notify(spec.id);
  }

  /** A child whose record exists (as it is, or as just announced) starts a new incarnation. */
  startRecord(record: ChildRecord, onFailure: StartFailure): void {
    const incarnation = newIncarnation();
    const started: ChildRecord = {
      ...record,
      incarnation,
      status: 'running',
      startedAt: startTime(record.spec, this.at.now),
      nextRestartAt: undefined,
    };
    this.table = this.table.put(started);
    // Announced once started: the announcement carries the new actor.
    this.effects.push({ type: 'start', spec: record.spec, incarnation, onFailure });
    this.notify(record.spec.id, started);
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
    this.set(id, {
      incarnation: undefined,
      status: next,
      stopping: false,
      stopDeadline: undefined,
    });
  }

  /** Starts every pending restart whose backoff has run out; the others keep waiting. */
  startDueRestarts(): void {
    const { now } = this.at;
    const due = this.pendingRestarts.filter((batch) => batch.dueAt <= now);
    this.pendingRestarts = this.pendingRestarts.filter((batch) => batch.dueAt > now);
    for (const batch of due) this.startBatch(batch);
  }

  /** Starts the children of `batch` in order (the executor stops at a failed one). */
  startBatch(batch: RestartBatch): void {
    if (this.ending) return;
    for (const id of batch.ids) {
      const record = this.table.get(id);
      // Terminated (or deleted) while it waited: not restarted.
      if (record?.status !== 'restarting' || record.incarnation !== undefined) continue;
      this.startRecord(record, 'retry');
    }
  }

  /** Pops the head of the stop work. */
  popStopHead(): string {
    const [job, ...rest] = this.stopWork;
    this.stopWork = [{ ids: job!.ids.slice(1), restartAfter: job!.restartAfter }, ...rest];
    return job!.ids[0]!;
  }

  fail(error: SupervisorError): void {
    this.end({ kind: 'fail', error });
  }
}
