/**
 * The supervisor's state: its child table and the bookkeeping around it.
 * This module owns their shape; every other module reads a supervisor
 * through the accessors at the end (`supervisorStateOf`, `childInfoOf`…),
 * never by poking at a snapshot's context.
 *
 * ```ts
 * const state = supervisorStateOf(sup);          // undefined: not a supervisor
 * state?.table.get('worker')?.status;            // 'running'
 * state?.table.inStartOrder().map((r) => r.spec.id);
 * ```
 *
 * Everything here is immutable. A `ChildTable` is a persistent map from id
 * to `ChildRecord` (see `persistentMap.ts`), so a change costs O(log n) and
 * leaves the previous snapshot's table as it was; `put`, `add` and `remove`
 * return a new table. Start order is each record's `order`, kept across
 * restarts.
 */
import type { AnyActorRef } from 'xstate';
import type { SupervisorError } from '../ground/errors.js';
import { type Incarnation, refOf } from './incarnation.js';
import { PersistentMap } from './persistentMap.js';
import type {
  ChildChangedEvent,
  ChildInfo,
  ChildStatus,
  ResolvedChildSpec,
  ResolvedSupervisorOptions,
} from './types.js';

export interface ChildRecord {
  readonly spec: ResolvedChildSpec;
  /** Position in the start order; kept across restarts. */
  readonly order: number;
  /** The current incarnation; `undefined` once it is gone. */
  readonly incarnation: Incarnation | undefined;
  readonly status: ChildStatus;
  readonly restarts: number;
  /** Asked to stop by stop work: its exit is expected, not a failure. */
  readonly stopping: boolean;
  /** Once asked to shut down: when its grace runs out (system clock; `Infinity` for 'infinity'). */
  readonly stopDeadline: number | undefined;
  /** While it waits out its restart backoff: when it starts again. */
  readonly nextRestartAt: number | undefined;
  /**
   * When its current or last incarnation started (system clock); kept for
   * children with a backoff only, where it decides whether the count resets.
   */
  readonly startedAt: number | undefined;
  /** Consecutive restarts so far: the backoff's n. */
  readonly backoffAttempts: number;
}

/** Children to stop one at a time, in order, and what to restart once they are all gone. */
export interface StopJob {
  readonly ids: readonly string[];
  readonly restartAfter: RestartBatch | undefined;
}

/** Children to start again, in start order, once `dueAt` has come (system clock). */
export interface RestartBatch {
  readonly ids: readonly string[];
  readonly dueAt: number;
}

export type Ending =
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'auto_shutdown' }
  | { readonly kind: 'fail'; readonly error: SupervisorError };

export interface SupervisorContext {
  readonly options: ResolvedSupervisorOptions;
  readonly table: ChildTable;
  /** Restart times within the intensity window (see `intensity.ts`). */
  readonly restartLog: readonly number[];
  readonly totalRestarts: number;
  /** Stop work, one job at a time, one child at a time. */
  readonly stopWork: readonly StopJob[];
  /** Restarts waiting for their backoff to run out. */
  readonly pendingRestarts: readonly RestartBatch[];
  /** The due time the restart timer was last set for. */
  readonly restartTimerAt: number | undefined;
  /** Set once the supervisor is ending: it stops everything, then completes or fails. */
  readonly ending: Ending | undefined;
}

export class ChildTable {
  private readonly records: PersistentMap<ChildRecord>;
  /** The order the next new child gets. */
  private readonly nextOrder: number;
  /** Children running or restarting: what `maxChildren` counts. */
  readonly activeCount: number;
  /** `inStartOrder()`, computed on first use: a cache, not a change of the table. */
  private ordered: readonly ChildRecord[] | undefined;

  private constructor(records: PersistentMap<ChildRecord>, nextOrder: number, activeCount: number) {
    this.records = records;
    this.nextOrder = nextOrder;
    this.activeCount = activeCount;
  }

  private static readonly EMPTY = new ChildTable(PersistentMap.empty(), 0, 0);

  /** The empty table (one, shared: it never changes). */
  static empty(): ChildTable {
    return ChildTable.EMPTY;
  }

  get size(): number {
    return this.records.size;
  }

  get(id: string): ChildRecord | undefined {
    return this.records.get(id);
  }

  /** A table with a new child at the end of the start order. */
  add(spec: ResolvedChildSpec, fields: Partial<Omit<ChildRecord, 'spec' | 'order'>>): ChildTable {
    const record: ChildRecord = {
      spec,
      order: this.nextOrder,
      incarnation: undefined,
      status: 'running',
      restarts: 0,
      stopping: false,
      stopDeadline: undefined,
      nextRestartAt: undefined,
      startedAt: undefined,
      backoffAttempts: 0,
      ...fields,
    };
    return new ChildTable(
      this.records.set(spec.id, record),
      this.nextOrder + 1,
      this.activeCount + (record.status === 'stopped' ? 0 : 1),
    );
  }

  /** A table where the child `record.spec.id` is `record`, which replaces `before`. */
  put(record: ChildRecord, before = this.records.get(record.spec.id)!): ChildTable {
    const active = (before.status === 'stopped' ? -1 : 0) + (record.status === 'stopped' ? 0 : 1);
    return new ChildTable(
      this.records.set(record.spec.id, record),
      this.nextOrder,
      this.activeCount + active,
    );
  }

  /** A table with the child's record changed by `patch` (the child must exist). */
  update(id: string, patch: Partial<Omit<ChildRecord, 'spec' | 'order'>>): ChildTable {
    const before = this.records.get(id)!;
    return this.put({ ...before, ...patch }, before);
  }

  remove(id: string): ChildTable {
    const before = this.records.get(id);
    if (!before) return this;
    return new ChildTable(
      this.records.delete(id),
      this.nextOrder,
      this.activeCount - (before.status === 'stopped' ? 0 : 1),
    );
  }

  /** Every record in start order (kept once computed, for a large table). */
  inStartOrder(): readonly ChildRecord[] {
    if (this.ordered) return this.ordered;
    const ordered = this.records.values().sort((a, b) => a.order - b.order);
    // A few records sort in no time; a session's table stays small in memory.
    if (ordered.length > 16) this.ordered = ordered;
    return ordered;
  }
}

// Shared by every new supervisor: nothing ever changes an array of the context in place.
const NONE: readonly never[] = Object.freeze([]);

export function initialContext(options: ResolvedSupervisorOptions): SupervisorContext {
  return {
    options,
    table: ChildTable.empty(),
    restartLog: NONE,
    totalRestarts: 0,
    stopWork: NONE,
    pendingRestarts: NONE,
    restartTimerAt: undefined,
    ending: undefined,
  };
}

/** The head of the stop work: the child being stopped now, or next. */
export function stopHeadId(context: SupervisorContext): string | undefined {
  return context.stopWork[0]?.ids[0];
}

/** Whether a pending restart (after stop work, or after its backoff) will start this child again. */
export function awaitsRestart(context: SupervisorContext, id: string): boolean {
  return (
    context.stopWork.some((job) => job.restartAfter?.ids.includes(id)) ||
    context.pendingRestarts.some((batch) => batch.ids.includes(id))
  );
}

export function childInfoOf(record: ChildRecord): ChildInfo {
  const info: ChildInfo = {
    id: record.spec.id,
    ref: refOf(record),
    status: record.status,
    restart: record.spec.restart,
    restarts: record.restarts,
  };
  if (record.nextRestartAt !== undefined) info.nextRestartAt = record.nextRestartAt;
  return info;
}

/** The `child.changed` event for a child as it is now (`undefined`: it was deleted). */
export function childChanged(
  id: string,
  record: ChildRecord | undefined,
  totalRestarts: number,
): ChildChangedEvent {
  const event: ChildChangedEvent = {
    type: 'child.changed',
    id,
    status: record ? record.status : 'deleted',
    restarts: record?.restarts ?? 0,
    ref: refOf(record),
    totalRestarts,
  };
  if (record?.nextRestartAt !== undefined) event.nextRestartAt = record.nextRestartAt;
  return event;
}

/**
 * A supervisor's state, read from its current snapshot; `undefined` for an
 * actor that is not a supervisor (its context holds no `ChildTable`).
 */
export function supervisorStateOf(ref: AnyActorRef): SupervisorContext | undefined {
  const context = (ref.getSnapshot() as { context?: { table?: unknown } } | undefined)?.context;
  return context?.table instanceof ChildTable ? (context as SupervisorContext) : undefined;
}

/** Restarts of a supervisor, all children together (0 for any other actor). */
export function totalRestartsOf(ref: AnyActorRef): number {
  return supervisorStateOf(ref)?.totalRestarts ?? 0;
}
