import type { AnyActorRef } from 'xstate';

/**
 * The current time as the actor's system sees it. XState's `Clock` type has no
 * `now()`, but `SimulatedClock` does: when the system runs on one, every
 * window and timestamp follows it, which keeps tests deterministic.
 */
export function systemNow(ref: AnyActorRef): number {
  const clock = (ref as { clock?: { now?: () => number } }).clock;
  return typeof clock?.now === 'function' ? clock.now() : Date.now();
}
