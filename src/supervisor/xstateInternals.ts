/**
 * The one place that reaches into XState internals. Each use below states
 * the XState behaviour it relies on, and `test/xstate-contract.test.ts`
 * pins that behaviour by name, so an XState upgrade that changes it fails
 * there first.
 *
 * - `forceStop`: `_stop()`, for children the supervisor created with
 *   `createActor(logic, { parent })` (see `childActors.ts`).
 * - `parentOf`: `_parent`, for inspection records only.
 * - `isProcessing`: the mailbox, so an admin call made from inside a
 *   supervisor's own transition is refused instead of landing later.
 * - `afterUpdate`, `emitFrom`: the actor scope's `defer` and `emit`, so the
 *   supervisor's executor runs and emits where XState's own deferred
 *   actions do.
 * - `TeardownMachine`: a `StateMachine` subclass whose `transition` stops
 *   what its snapshot says it owns when XState stops it, and whose
 *   `provide()` keeps that.
 * - `rearmAfterTimers`: a snapshot's active state nodes (`_nodes`) and the
 *   way XState implements `after` (an entry `raise` with the event type as
 *   its id, an exit `cancel` of that id), to start a restored machine's
 *   pending `after` timers again.
 */
import {
  type AnyActorRef,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type EventObject,
  StateMachine,
} from 'xstate';

/**
 * Stops an actor now, synchronously: what XState's own `stopChild` runs.
 * The public `stop()` refuses any actor that has a parent.
 */
export function forceStop(ref: AnyActorRef): void {
  (ref as unknown as { _stop(): void })._stop();
}

/** The actor's parent, as given to `createActor(logic, { parent })`. */
export function parentOf(ref: AnyActorRef): AnyActorRef | undefined {
  return (ref as unknown as { _parent?: AnyActorRef })._parent;
}

/**
 * Whether the actor is in the middle of processing an event: an event sent
 * to it now is queued behind the current one rather than processed before
 * `send` returns.
 */
export function isProcessing(ref: AnyActorRef): boolean {
  const mailbox = (ref as unknown as { mailbox?: { _current?: unknown } }).mailbox;
  return mailbox?._current != null;
}

/**
 * Runs `effect` once the actor's snapshot is updated, at the end of the
 * macrostep: where XState runs the deferred half of its own actions (a
 * spawned child's start, an `emit`), in the order they were deferred, and
 * outside any custom action, so a child started there may resolve its own
 * built-in actions (XState's development build warns when a custom action
 * seems to call one). Called from an action of the actor.
 */
export function afterUpdate(self: AnyActorRef, effect: () => void): void {
  scopeOf(self).defer(effect);
}

/** Emits `event` to the actor's `on()` listeners now: what XState's deferred `emit` runs. */
export function emitFrom(self: AnyActorRef, event: EventObject): void {
  scopeOf(self).emit(event);
}

interface ActorScopeInternals {
  defer(effect: () => void): void;
  emit(event: EventObject): void;
}

function scopeOf(self: AnyActorRef): ActorScopeInternals {
  return (self as unknown as { _actorScope: ActorScopeInternals })._actorScope;
}

/**
 * The event a delay function is given when a restored machine's `after`
 * timers are armed again: the event that entered the state is not in a
 * persisted snapshot.
 */
export const RESUMED_TIMERS_EVENT: EventObject = Object.freeze({ type: 'xstate-otp.resume' });

/**
 * Arms again, each with its full delay, the `after` timers of every active
 * state node of a machine actor restored from a persisted snapshot (and of
 * the machine actors it restored with it), on the actor system's scheduler,
 * so the system clock drives them. Anything else does nothing.
 *
 * What XState (5.x) does, and why this is needed:
 * - `createActor(machine, { snapshot })` restores the state without running
 *   entry actions, and a persisted snapshot holds no delayed events: a
 *   restored machine in a state with `after` would never leave it.
 * - `after: { [delay]: target }` is implemented on the state node as an
 *   entry action `raise({ type: 'xstate.after.<delay>.<stateNodeId>' },
 *   { id: <that type>, delay })` and an exit action `cancel(<that type>)`;
 *   the node's `after` getter lists those transitions with `eventType` and
 *   `delay` (the key: a number, or the name of a delay).
 * - The raise resolves its delay like this: a number as is; a name through
 *   `machine.implementations.delays` (`setup({ delays })`, `provide()`),
 *   whose value is a number or a function called with `{ context, event,
 *   self, system }` (and no params); a delay that is then not a number
 *   raises the event at once. A numeric delay is then
 *   `system.scheduler.schedule(self, self, event, delay, id)`, which the exit
 *   action's `cancel` finds again by source and id.
 * - Scheduling here with the same source, event and id is what the entry
 *   action would have done: leaving the state cancels the timer, and its
 *   firing takes the delayed transition.
 *
 * Only `after` is armed again: a `raise` or `sendTo` with a `delay` in some
 * other action is not (nothing says it was pending). A delay function sees
 * `RESUMED_TIMERS_EVENT` as its event.
 */
export function rearmAfterTimers(ref: AnyActorRef): void {
  const snapshot = ref.getSnapshot() as Partial<AnyMachineSnapshot> | undefined;
  if (snapshot?.status !== 'active' || !snapshot.machine || !snapshot._nodes) return;
  const delays = (snapshot.machine.implementations as { delays?: Record<string, unknown> }).delays;
  const args = {
    context: snapshot.context,
    event: RESUMED_TIMERS_EVENT,
    self: ref,
    system: ref.system,
  };
  for (const node of snapshot._nodes as AnyStateNode[]) {
    // A delay with several (guarded) transitions has one timer.
    const timers = new Map(node.after.map((t) => [t.eventType, t.delay] as const));
    for (const [id, delay] of timers) {
      const configured = typeof delay === 'string' ? delays?.[delay] : delay;
      const resolved = typeof configured === 'function' ? configured(args, undefined) : configured;
      if (typeof resolved === 'number')
        ref.system.scheduler.schedule(ref, ref, { type: id }, resolved, id);
      else ref.send({ type: id });
    }
  }
  for (const child of Object.values(snapshot.children ?? {}) as AnyActorRef[]) {
    rearmAfterTimers(child);
  }
}

export type Teardown = (snapshot: AnyMachineSnapshot) => void;

const MachineBase = StateMachine as unknown as new (
  config: unknown,
  implementations: unknown,
) => AnyStateMachine;

/**
 * A machine that runs `teardown(snapshot)` when XState stops its actor and
 * when one of its transitions throws, then lets XState carry on as usual.
 *
 * - Stopped (`actor.stop()`, or a parent stopping it): XState sends the
 *   `xstate.stop` event through `transition`; XState's `stop()` then stops
 *   the machine's own `snapshot.children`, never actors it created
 *   otherwise, and runs no exit actions.
 * - A transition that throws (an action, a guard): XState puts the actor in
 *   status `error` without stopping any child, not even its own.
 *
 * `provide()` builds a new machine of this class with the same teardown
 * (XState's own `provide()` builds a plain `StateMachine`).
 */
export class TeardownMachine extends MachineBase {
  readonly teardown: Teardown;

  constructor(config: unknown, implementations: unknown, teardown: Teardown) {
    super(config, implementations);
    this.teardown = teardown;
  }

  override transition(
    snapshot: AnyMachineSnapshot,
    event: EventObject,
    actorScope: AnyActorScope,
  ): AnyMachineSnapshot {
    if (event.type === 'xstate.stop') this.teardown(snapshot);
    try {
      return super.transition(snapshot, event, actorScope);
    } catch (error) {
      this.teardown(snapshot);
      throw error;
    }
  }

  override provide(implementations: Parameters<AnyStateMachine['provide']>[0]): AnyStateMachine {
    const provided = super.provide(implementations);
    const Self = this.constructor as new (
      config: unknown,
      implementations: unknown,
      teardown: Teardown,
    ) => TeardownMachine;
    return new Self(provided.config, provided.implementations, this.teardown);
  }
}
