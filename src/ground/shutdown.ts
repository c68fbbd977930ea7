import type { AnyActorRef } from 'xstate';

/**
 * Sent to a child that is asked to stop gracefully. A child that has a
 * transition for it (a supervisor, a session, a `fromProcess` actor) gets its
 * `shutdown` grace to finish; any other child is stopped at once, like an
 * Erlang process that does not trap exits.
 */
export const SHUTDOWN_EVENT = 'otp.shutdown';

export interface ShutdownEvent {
  type: typeof SHUTDOWN_EVENT;
  reason?: string;
}

/** True when the actor's current state can answer `SHUTDOWN_EVENT`. */
export function acceptsShutdown(ref: AnyActorRef): boolean {
  const snapshot = ref.getSnapshot() as { status?: string; can?: (event: unknown) => boolean };
  if (snapshot?.status !== 'active' || typeof snapshot.can !== 'function') return false;
  return snapshot.can({ type: SHUTDOWN_EVENT });
}
