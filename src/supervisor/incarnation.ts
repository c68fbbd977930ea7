/**
 * An incarnation: one run of a child, from the start a plan decides to its
 * exit. A plan is pure, so it cannot start an actor; it allocates the
 * incarnation that will hold it, and the executor fills it in, once, when
 * it performs the start.
 *
 * ```ts
 * const incarnation = newIncarnation();   // in a plan: what the table records
 * incarnation.ref;                        // undefined until the executor has started it
 * ```
 *
 * Which actor runs is known only once the start is performed, and only the
 * start can tell whether it failed; the table says that the child runs, and
 * which incarnation is current, so an exit of an earlier one is told apart.
 */
import type { AnyActorRef } from 'xstate';

export interface Incarnation {
  /** The running actor; set by the executor, once. */
  ref: AnyActorRef | undefined;
}

export function newIncarnation(): Incarnation {
  return { ref: undefined };
}

/** The actor of a record's current incarnation, if it was started. */
export function refOf(record: { incarnation: Incarnation | undefined } | undefined) {
  return record?.incarnation?.ref;
}
