/**
 * The supervisor's child table and the operations on it.
 *
 * The table is a `Map` in start order, mutated in place so that starting,
 * stopping and looking up a child stay O(1) however many children there are.
 * Every operation here runs inside one of the supervisor machine's actions;
 * `emit` reports each status change as a `child.changed` event.
 */
import { type AnyActorRef, createActor } from 'xstate';
import type { SupervisorError } from '../errors.js';
import type {
  ChildChangedEvent,
  ChildEnvironment,
  ChildStatus,
  ResolvedChildSpec,
  ResolvedSupervisorOptions,
} from './types.js';
import { forceStop, isAlive } from './xstateInternals.js';

export interface ChildRecord {
  spec: ResolvedChildSpec;
  ref: AnyActorRef | undefined;
  status: ChildStatus;
  restarts: number;
  /** Part of a stop job: its exit is expected and is not a failure. */
  stopping: boolean;
  /** Callbacks waiting for this child to be gone (terminateChild). */
  waiters: Array<() => void>;
}

export type Continuation = { type: 'restart'; ids: string[] } | { type: 'none' } | { type: 'end' };

/** Children to stop one at a time, in order, then what to do next. */
export interface StopJob {
  ids: string[];
  afterwards: Continuation;
}

export type Ending =
  | { kind: 'shutdown' }
  | { kind: 'auto_shutdown' }
  | { kind: 'fail'; error: SupervisorError };

export interface SupervisorContext {
  options: ResolvedSupervisorOptions;
  children: Map<string, ChildRecord>;
  restartLog: number[];
  totalRestarts: number;
  jobs: StopJob[];
  ending: Ending | undefined;
}

export interface TableScope {
  context: SupervisorContext;
  self: AnyActorRef;
  emit: (event: ChildChangedEvent) => void;
}

export function notify(scope: TableScope, id: string, record: ChildRecord | undefined): void {
  scope.emit({
    type: 'child.changed',
    id,
    status: record ? record.status : 'deleted',
    restarts: record?.restarts ?? 0,
    ref: record?.ref,
    totalRestarts: scope.context.totalRestarts,
  });
}

function resolveInput(spec: ResolvedChildSpec, environment: ChildEnvironment | undefined): unknown {
  if (typeof spec.input !== 'function') return spec.input;
  return spec.input(environment ?? { sessionId: undefined, workspace: undefined });
}

/**
 * Creates and starts the child's actor. Throws when the start fails: its
 * input function, its logic's initial state or actions, its registry key.
 */
export function spawn(scope: TableScope, spec: ResolvedChildSpec): AnyActorRef {
  const { options } = scope.context;
  const input = resolveInput(spec, options.environment);
  const ref = createActor(spec.logic, { parent: scope.self, id: spec.id, input });
  ref.start();
  const started = ref.getSnapshot() as { status: string; error?: unknown };
  // Failing while starting (its context or initial actions threw) is a
  // failed start, as an `init` returning an error is in OTP. The error event
  // it also sent us is ignored: no record holds this ref.
  if (started.status === 'error') throw started.error;
  if (spec.registerAs !== undefined && isAlive(ref)) {
    try {
      options.registry!.register(spec.registerAs, ref);
    } catch (error) {
      forceStop(ref);
      throw error;
    }
  }
  return ref;
}

/** Starts a child in place; on failure the record is left `restarting` and the error returned. */
export function startRecord(scope: TableScope, record: ChildRecord): unknown {
  try {
    record.ref = spawn(scope, record.spec);
    record.status = 'running';
    notify(scope, record.spec.id, record);
    return undefined;
  } catch (error) {
    record.ref = undefined;
    record.status = 'restarting';
    notify(scope, record.spec.id, record);
    return error;
  }
}

/** The child is gone: settle its record (temporary specs are dropped) and wake its waiters. */
export function settleStopped(
  scope: TableScope,
  record: ChildRecord,
  next: 'stopped' | 'restarting',
): void {
  const { id } = record.spec;
  record.ref = undefined;
  record.stopping = false;
  const waiters = record.waiters;
  record.waiters = [];
  if (record.spec.restart === 'temporary') {
    scope.context.children.delete(id);
    notify(scope, id, undefined);
  } else {
    record.status = next;
    notify(scope, id, record);
  }
  for (const wake of waiters) wake();
}

export function kill(record: ChildRecord): void {
  if (isAlive(record.ref)) forceStop(record.ref);
}

/** Ids of the children in start order (the Map's insertion order). */
export function startOrder(context: SupervisorContext): string[] {
  return [...context.children.keys()];
}

/** Whether a pending restart continuation will start this child again. */
export function awaitsRestart(context: SupervisorContext, id: string): boolean {
  return context.jobs.some(
    (job) => job.afterwards.type === 'restart' && job.afterwards.ids.includes(id),
  );
}
