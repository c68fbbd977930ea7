/**
 * The supervisor's effects on its children's actors: starting one, stopping
 * one, asking whether one can answer `SHUTDOWN_EVENT`. Everything else the
 * supervisor does is computing its table.
 *
 * ```ts
 * const ref = startChildActor(spec, self, options); // throws when the start fails
 * stopChildActor(ref);                              // at once; no exit actions (XState)
 * ```
 *
 * Children are created with `createActor(logic, { parent })` rather than
 * `spawnChild`, because XState copies a machine's whole `children` object
 * on every spawn and stop: O(n) per operation, which a supervisor of 100k
 * sessions cannot afford. They report `xstate.done.actor.<id>` and
 * `xstate.error.actor.<id>` to the supervisor like spawned children (its
 * statechart sees them as `otp.child.exit`, see `childExit.ts`), but the
 * supervisor stops them itself (see `xstateInternals.ts`).
 */
import { type AnyActorRef, createActor } from 'xstate';
import { inputWithEnvironment, takesEnvironment } from '../ground/environment.js';
import { acceptsShutdown } from '../ground/shutdown.js';
import type { ResolvedChildSpec, ResolvedSupervisorOptions } from './types.js';
import { forceStop, rearmAfterTimers } from './xstateInternals.js';

export function isAlive(ref: AnyActorRef | undefined): ref is AnyActorRef {
  return ref !== undefined && ref.getSnapshot()?.status === 'active';
}

/**
 * The input a child starts with: an input function is called with the
 * environment on every start; a logic that takes the environment gets it
 * merged in (see `src/environment.ts`).
 */
function childInput(spec: ResolvedChildSpec, options: ResolvedSupervisorOptions): unknown {
  const environment = options.environment;
  const input = typeof spec.input === 'function' ? spec.input(environment ?? {}) : spec.input;
  return environment && takesEnvironment(spec.logic)
    ? inputWithEnvironment(input, environment)
    : input;
}

/**
 * Creates and starts the child's actor under `parent`. Throws when the
 * start fails: its input function, its logic's initial state or actions
 * (an `init` that fails, in OTP terms), its registry key, a restored
 * machine's delay function. The error event
 * such a child also sends its parent finds no record holding it, and is
 * ignored.
 */
export function startChildActor(
  spec: ResolvedChildSpec,
  parent: AnyActorRef,
  options: ResolvedSupervisorOptions,
): AnyActorRef {
  const input = childInput(spec, options);
  // A resumed durable session's child: its checkpoint, used once (see `restoreOnce`).
  const restore = spec.restoreOnce;
  const snapshot = restore?.snapshot;
  if (restore) restore.snapshot = undefined;
  const ref = createActor(spec.logic, {
    parent,
    id: spec.id,
    input,
    ...(snapshot === undefined ? {} : { snapshot: snapshot as never }),
  });
  ref.start();
  const started = ref.getSnapshot() as { status: string; error?: unknown };
  if (started.status === 'error') throw started.error;
  try {
    if (spec.registerAs !== undefined && isAlive(ref)) {
      options.registry!.register(spec.registerAs, ref);
    }
    // XState persists no delayed events: the `after` timers of the states it
    // was restored in start over from their full delay (a delay function
    // that throws fails the start, as it would fail the state's entry).
    if (snapshot !== undefined) rearmAfterTimers(ref);
  } catch (error) {
    stopChildActor(ref);
    throw error;
  }
  return ref;
}

/** Stops a child at once (if it still runs), and what it left running. */
export function stopChildActor(ref: AnyActorRef | undefined): void {
  if (isAlive(ref)) forceStop(ref);
}

/**
 * Stops what an ended child left running. XState stops a machine's children
 * when it completes or a child's error goes unhandled, but not when the
 * machine's own action, guard or context throws: those children stay active
 * and their cleanups never run.
 */
export function reapOrphans(ref: AnyActorRef): void {
  const children = (ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> })
    .children;
  if (!children) return;
  for (const child of Object.values(children)) stopChildActor(child);
}

/** Whether the child can answer `SHUTDOWN_EVENT` now; a child whose guards throw cannot. */
export function canAnswerShutdown(ref: AnyActorRef | undefined): boolean {
  if (!isAlive(ref)) return false;
  try {
    return acceptsShutdown(ref);
  } catch {
    return false;
  }
}
