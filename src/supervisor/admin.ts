/**
 * The admin API of a running supervisor, after OTP's `supervisor` module:
 * `startChild`, `terminateChild`, `restartChild`, `deleteChild`,
 * `whichChildren`, `whichChild`, `countChildren`, and `childRef`.
 *
 * ```ts
 * const sup = createActor(createSupervisor({ children: [] })).start();
 * const ref = startChild(sup, { id: 'worker', logic: workerMachine });
 * await terminateChild(sup, 'worker');   // resolves once it is gone; spec kept
 * restartChild(sup, 'worker');           // a new ref
 * ```
 *
 * Each request is checked against the supervisor's current snapshot, then
 * sent as a plain event; its result is read from what the supervisor emits
 * while handling it (`child.changed`, `child.startFailed`). Bad requests are
 * refused before anything changes, with a `SupervisorError`:
 * `already_started` (running), `already_present` (spec kept, not running),
 * `not_found`, `running` / `restarting` (restartChild and deleteChild act on
 * stopped children only), `invalid_spec`, `max_children`, `start_failed`,
 * and `not_running` when the supervisor has ended, is ending, or is in the
 * middle of a transition of its own (the call came from inside it). The
 * functions that return a value throw it; `terminateChild`, which returns a
 * promise, rejects with it.
 */
import type { AnyActorRef } from 'xstate';
import { SupervisorError } from '../ground/errors.js';
import { isAlive } from './childActors.js';
import {
  type ChildRecord,
  childInfoOf,
  type SupervisorContext,
  supervisorStateOf,
} from './childTable.js';
import { refOf } from './incarnation.js';
import { startFailedError } from './planStarts.js';
import { supervises } from './supervisorLogic.js';
import type { SupervisorEvent } from './supervisorMachine.js';
import type {
  ChildChangedEvent,
  ChildCounts,
  ChildInfo,
  ChildSpec,
  ChildStartFailedEvent,
} from './types.js';
import { resolveChildSpec } from './validate.js';
import { isProcessing } from './xstateInternals.js';

function stateOf(sup: AnyActorRef): SupervisorContext {
  const state = supervisorStateOf(sup);
  if (!state) throw new SupervisorError('not_found', `Actor "${sup.id}" is not a supervisor.`);
  return state;
}

function liveStateOf(sup: AnyActorRef): SupervisorContext {
  const state = stateOf(sup);
  if (!isAlive(sup) || state.ending) {
    throw new SupervisorError(
      'not_running',
      `Supervisor "${sup.id}" has ended or is shutting down; it takes no more admin requests.`,
    );
  }
  if (isProcessing(sup)) {
    // The request would be queued behind the current event and land later, out of order.
    throw new SupervisorError(
      'not_running',
      `Supervisor "${sup.id}" is in the middle of a transition; call admin functions from outside its actions and listeners.`,
    );
  }
  return state;
}

function recordOf(state: SupervisorContext, id: string): ChildRecord {
  const record = state.table.get(id);
  if (!record) throw new SupervisorError('not_found', `No child "${id}".`, { childId: id });
  return record;
}

/** Sends a start request and returns the ref it started, from what the supervisor emitted. */
function startThrough(
  sup: AnyActorRef,
  id: string,
  event: SupervisorEvent,
  verb: 'start' | 'restart',
): AnyActorRef {
  let started: AnyActorRef | undefined;
  let failure: { error: unknown } | undefined;
  const changes = sup.on('child.changed', (change: ChildChangedEvent) => {
    if (change.id === id && change.status === 'running') started ??= change.ref;
  });
  const failures = sup.on('child.startFailed', (failed: ChildStartFailedEvent) => {
    if (failed.id === id) failure ??= { error: failed.error };
  });
  try {
    sup.send(event);
  } finally {
    changes.unsubscribe();
    failures.unsubscribe();
  }
  if (started) return started;
  if (failure) throw startFailedError(id, failure.error, undefined, verb);
  throw new SupervisorError('not_running', `Supervisor "${sup.id}" did not take the request.`, {
    childId: id,
  });
}

export function startChild(sup: AnyActorRef, spec: ChildSpec): AnyActorRef {
  const state = liveStateOf(sup);
  const resolved = resolveChildSpec(spec, state.options);
  const existing = state.table.get(resolved.id);
  if (existing) {
    if (isAlive(refOf(existing))) {
      throw new SupervisorError('already_started', `Child "${resolved.id}" is already running.`, {
        childId: resolved.id,
      });
    }
    throw new SupervisorError(
      'already_present',
      `A spec for child "${resolved.id}" is already present (not running). Use restartChild, or deleteChild first.`,
      { childId: resolved.id },
    );
  }
  if (resolved.registerAs !== undefined && state.options.registry === undefined) {
    throw new SupervisorError(
      'invalid_spec',
      `Child "${resolved.id}" has registerAs but the supervisor has no registry.`,
      { childId: resolved.id },
    );
  }
  if (state.table.activeCount >= state.options.maxChildren) {
    throw new SupervisorError(
      'max_children',
      `Supervisor "${sup.id}" already has its maximum of ${state.options.maxChildren} children.`,
      { childId: resolved.id },
    );
  }
  return startThrough(sup, resolved.id, { type: 'otp.child.start', spec: resolved }, 'start');
}

/**
 * Stops a child as its `shutdown` says and keeps its spec (a temporary
 * child's spec is dropped). Not a restart, never triggers auto-shutdown, and
 * idempotent: terminating a stopped child resolves at once. A child waiting
 * to be restarted is not restarted. Rejects (never throws) on a bad request.
 */
export function terminateChild(sup: AnyActorRef, id: string): Promise<void> {
  let record: ChildRecord;
  try {
    record = recordOf(liveStateOf(sup), id);
  } catch (error) {
    return Promise.reject(error);
  }
  if (record.incarnation === undefined && record.status === 'stopped') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const finish = () => {
      changes.unsubscribe();
      ended.unsubscribe();
      resolve();
    };
    const changes = sup.on('child.changed', (change: ChildChangedEvent) => {
      if (change.id === id && (change.status === 'stopped' || change.status === 'deleted')) {
        finish();
      }
    });
    // Stopped abruptly meanwhile: the child went with it. (No `error`
    // observer: that would hide a root supervisor's failure from XState.)
    const ended = sup.subscribe({ complete: finish });
    sup.send({ type: 'otp.child.terminate', id });
  });
}

/** Starts a stopped child again from its spec; returns the new ref. */
export function restartChild(sup: AnyActorRef, id: string): AnyActorRef {
  requireStopped(liveStateOf(sup), id);
  return startThrough(sup, id, { type: 'otp.child.restart', id }, 'restart');
}

/** Forgets a stopped child's spec. */
export function deleteChild(sup: AnyActorRef, id: string): void {
  requireStopped(liveStateOf(sup), id);
  sup.send({ type: 'otp.child.delete', id });
  if (stateOf(sup).table.get(id)) {
    throw new SupervisorError('not_running', `Supervisor "${sup.id}" did not take the request.`, {
      childId: id,
    });
  }
}

/** restartChild and deleteChild act on stopped children only (OTP: `running`, `restarting`). */
function requireStopped(state: SupervisorContext, id: string): void {
  const record = recordOf(state, id);
  if (record.status === 'restarting') {
    throw new SupervisorError('restarting', `Child "${id}" is being restarted.`, { childId: id });
  }
  if (record.incarnation !== undefined) {
    throw new SupervisorError('running', `Child "${id}" is running; terminate it first.`, {
      childId: id,
    });
  }
}

/** Every child in start order. (OTP lists newest first; start order reads better.) */
export function whichChildren(sup: AnyActorRef): ChildInfo[] {
  return stateOf(sup).table.inStartOrder().map(childInfoOf);
}

/** One child's info, or `undefined`: O(log n), unlike searching `whichChildren`. */
export function whichChild(sup: AnyActorRef, id: string): ChildInfo | undefined {
  const record = stateOf(sup).table.get(id);
  return record && childInfoOf(record);
}

/** The running ref of one child, or `undefined`: the hot path of `SessionManager.getChild`. */
export function childRef(sup: AnyActorRef, id: string): AnyActorRef | undefined {
  const ref = refOf(supervisorStateOf(sup)?.table.get(id));
  return isAlive(ref) ? ref : undefined;
}

/** OTP's `count_children`: "supervisor" is a logic that `supervises` (see `supervisorLogic.ts`). */
export function countChildren(sup: AnyActorRef): ChildCounts {
  let active = 0;
  let supervisors = 0;
  const records = stateOf(sup).table.inStartOrder();
  for (const record of records) {
    if (isAlive(refOf(record))) active += 1;
    if (supervises(record.spec.logic)) supervisors += 1;
  }
  return { specs: records.length, active, supervisors, workers: records.length - supervisors };
}
