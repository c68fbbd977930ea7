/**
 * A child's exit as the supervisor's statechart sees it: one event type,
 * `otp.child.exit`, whatever the child's id.
 *
 * ```ts
 * asChildExit(snapshot, { type: 'xstate.done.actor.s1', actorId: 's1', output } as EventObject);
 * // → { type: 'otp.child.exit', id: 's1', kind: 'normal', output }
 * ```
 *
 * XState reports the end of a child as `xstate.done.actor.<id>` or
 * `xstate.error.actor.<id>` (with `actorId`, and `output` or `error`): one
 * event type per child id. XState also memoizes, for every state node, the
 * transitions each distinct event type selects, in a module-level cache that
 * lives as long as the machine. A root supervisor of sessions, each with its
 * own id, would keep about 130 bytes for every session that ever ended. One
 * event type keeps that cache at one entry, however many children come and go.
 *
 * Only the exits of actors the supervisor created itself (`childActors.ts`)
 * are mapped. XState's own children of the machine (the escalation it
 * invokes in `failed`) keep their events, so an error none of its
 * transitions takes still makes the supervisor fail, as XState does.
 */
import type { EventObject } from 'xstate';
import type { ExitKind } from './decisions.js';

export const CHILD_EXIT = 'otp.child.exit';

export interface ChildExitEvent {
  type: typeof CHILD_EXIT;
  /** The child's id: its spec id, which is also its actor id. */
  id: string;
  kind: ExitKind;
  output?: unknown;
  error?: unknown;
}

const DONE_PREFIX = 'xstate.done.actor.';
const ERROR_PREFIX = 'xstate.error.actor.';

/**
 * `event` as a `ChildExitEvent` when it reports the end of an actor that is
 * not one of XState's own `children` of the snapshot; otherwise `event`.
 * The id is the event's `actorId`, or the rest of its type when it has none.
 */
export function asChildExit(
  snapshot: { children?: Record<string, unknown> },
  event: EventObject,
): EventObject {
  const { type } = event;
  const kind: ExitKind | undefined = type.startsWith(DONE_PREFIX)
    ? 'normal'
    : type.startsWith(ERROR_PREFIX)
      ? 'abnormal'
      : undefined;
  if (kind === undefined) return event;
  const { actorId } = event as { actorId?: unknown };
  const id =
    typeof actorId === 'string'
      ? actorId
      : type.slice(kind === 'normal' ? DONE_PREFIX.length : ERROR_PREFIX.length);
  if (snapshot.children?.[id] !== undefined) return event;
  const exit: ChildExitEvent = { type: CHILD_EXIT, id, kind };
  if (kind === 'normal') exit.output = (event as { output?: unknown }).output;
  else exit.error = (event as { error?: unknown }).error;
  return exit;
}
