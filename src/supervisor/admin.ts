/**
 * The admin API of a running supervisor, after OTP's `supervisor` module:
 * `startChild`, `terminateChild`, `restartChild`, `deleteChild`,
 * `whichChildren` and `countChildren`.
 *
 * ```ts
 * const sup = createActor(createSupervisor({ children: [] })).start();
 * const ref = startChild(sup, { id: 'worker', logic: workerMachine });
 * await terminateChild(sup, 'worker');   // resolves once it is gone; spec kept
 * restartChild(sup, 'worker');           // a new ref
 * ```
 *
 * Bad calls throw a `SupervisorError` synchronously, before anything changes:
 * `already_started` (running), `already_present` (spec kept, not running),
 * `not_found`, `running` / `restarting` (restartChild and deleteChild act on
 * stopped children only), `invalid_spec`, `max_children`, and `not_running`
 * when the supervisor has ended.
 */
import type { AnyActorRef } from 'xstate';
import { SupervisorError } from '../errors.js';
import type { ChildRecord, SupervisorContext } from './childTable.js';
import { isSupervisorLogic } from './createSupervisor.js';
import type { Reply, SupervisorEvent } from './supervisorMachine.js';
import type { ChildCounts, ChildInfo, ChildSpec } from './types.js';
import { resolveChildSpec } from './validate.js';
import { isAlive } from './xstateInternals.js';

function tableOf(sup: AnyActorRef): SupervisorContext {
  const context = (sup.getSnapshot() as { context?: Partial<SupervisorContext> })?.context;
  if (!context || !(context.children instanceof Map) || context.options === undefined) {
    throw new SupervisorError('not_found', `Actor "${sup.id}" is not a supervisor.`);
  }
  return context as SupervisorContext;
}

function liveTableOf(sup: AnyActorRef): SupervisorContext {
  const context = tableOf(sup);
  if (!isAlive(sup) || context.ending) {
    throw new SupervisorError(
      'not_running',
      `Supervisor "${sup.id}" has ended or is shutting down; it takes no more admin requests.`,
    );
  }
  return context;
}

function recordOf(context: SupervisorContext, id: string): ChildRecord {
  const record = context.children.get(id);
  if (!record) throw new SupervisorError('not_found', `No child "${id}".`, { childId: id });
  return record;
}

/** Sends a request and returns what the machine put in its reply slot. */
function request<T>(sup: AnyActorRef, event: SupervisorEvent & { reply: Reply<T> }): T {
  sup.send(event);
  const { reply } = event;
  if (!reply.handled) {
    // The supervisor is busy with a transition of its own (the call came
    // from inside it); the request would land later, out of order.
    throw new SupervisorError(
      'not_running',
      `Supervisor "${sup.id}" is in the middle of a transition; call admin functions from outside its actions.`,
    );
  }
  if (reply.error !== undefined) throw reply.error;
  return reply.value as T;
}

export function startChild(sup: AnyActorRef, spec: ChildSpec): AnyActorRef {
  const context = liveTableOf(sup);
  const resolved = resolveChildSpec(spec, context.options.autoShutdown);
  const existing = context.children.get(resolved.id);
  if (existing) {
    if (isAlive(existing.ref)) {
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
  if (resolved.registerAs !== undefined && context.options.registry === undefined) {
    throw new SupervisorError(
      'invalid_spec',
      `Child "${resolved.id}" has registerAs but the supervisor has no registry.`,
      { childId: resolved.id },
    );
  }
  let active = 0;
  if (Number.isFinite(context.options.maxChildren)) {
    for (const record of context.children.values()) if (record.status !== 'stopped') active += 1;
    if (active >= context.options.maxChildren) {
      throw new SupervisorError(
        'max_children',
        `Supervisor "${sup.id}" already has its maximum of ${context.options.maxChildren} children.`,
        { childId: resolved.id },
      );
    }
  }
  return request(sup, { type: 'otp.admin.start', spec: resolved, reply: { handled: false } });
}

/**
 * Stops a child as its `shutdown` says and keeps its spec (a temporary
 * child's spec is dropped). Not a restart, never triggers auto-shutdown, and
 * idempotent: terminating a stopped child resolves at once.
 */
export function terminateChild(sup: AnyActorRef, id: string): Promise<void> {
  const context = liveTableOf(sup);
  recordOf(context, id);
  return new Promise<void>((resolve) => {
    request(sup, { type: 'otp.admin.terminate', id, reply: { handled: false }, onGone: resolve });
  });
}

/** Starts a stopped child again from its spec; returns the new ref. */
export function restartChild(sup: AnyActorRef, id: string): AnyActorRef {
  const context = liveTableOf(sup);
  requireStopped(context, id);
  return request(sup, { type: 'otp.admin.restart', id, reply: { handled: false } });
}

/** Forgets a stopped child's spec. */
export function deleteChild(sup: AnyActorRef, id: string): void {
  const context = liveTableOf(sup);
  requireStopped(context, id);
  request(sup, { type: 'otp.admin.delete', id, reply: { handled: false } });
}

/** restartChild and deleteChild act on stopped children only (OTP: `running`, `restarting`). */
function requireStopped(context: SupervisorContext, id: string): void {
  const record = recordOf(context, id);
  if (record.status === 'restarting') {
    throw new SupervisorError('restarting', `Child "${id}" is being restarted.`, { childId: id });
  }
  if (isAlive(record.ref)) {
    throw new SupervisorError('running', `Child "${id}" is running; terminate it first.`, {
      childId: id,
    });
  }
}

function infoOf(record: ChildRecord): ChildInfo {
  return {
    id: record.spec.id,
    ref: record.ref,
    status: record.status,
    restart: record.spec.restart,
    restarts: record.restarts,
  };
}

/** Every child in start order. (OTP lists newest first; start order reads better.) */
export function whichChildren(sup: AnyActorRef): ChildInfo[] {
  return [...tableOf(sup).children.values()].map(infoOf);
}

/** One child's info, or `undefined`: O(1), unlike searching `whichChildren`. */
export function whichChild(sup: AnyActorRef, id: string): ChildInfo | undefined {
  const record = tableOf(sup).children.get(id);
  return record && infoOf(record);
}

/** The running ref of one child, or `undefined`: the hot path of `SessionManager.getChild`. */
export function childRef(sup: AnyActorRef, id: string): AnyActorRef | undefined {
  const children = (sup.getSnapshot() as { context?: { children?: unknown } }).context?.children;
  const ref =
    children instanceof Map ? (children.get(id) as ChildRecord | undefined)?.ref : undefined;
  return isAlive(ref) ? ref : undefined;
}

export function countChildren(sup: AnyActorRef): ChildCounts {
  let active = 0;
  let supervisors = 0;
  const { children } = tableOf(sup);
  for (const record of children.values()) {
    if (isAlive(record.ref)) active += 1;
    if (isSupervisorLogic(record.spec.logic)) supervisors += 1;
  }
  return { specs: children.size, active, supervisors, workers: children.size - supervisors };
}
