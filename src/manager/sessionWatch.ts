/**
 * Reading a session actor's snapshots: its lifecycle state for the
 * dashboard, and its outcome once it ends.
 */
import type { AnyActorRef } from 'xstate';
import type { SessionOutput, SessionState } from '../session/types.js';

interface SessionSnapshot {
  status: string;
  output?: SessionOutput;
  error?: unknown;
  value: unknown;
}

export function lifecycleState(snapshot: SessionSnapshot): SessionState {
  if (snapshot.status === 'done' && snapshot.output) return snapshot.output.outcome;
  // Read from the state value directly: `matches` resolves paths on every
  // call, and this runs on every snapshot of every session.
  const value = snapshot.value as string | Record<string, unknown>;
  if (typeof value === 'string') return value === 'starting' ? 'starting' : 'stopping';
  if ('live' in value) return value.live === 'stopping' ? 'stopping' : 'running';
  if ('starting' in value) {
    // Being cancelled before it ran.
    const starting = value.starting as string | { preparing?: string };
    return typeof starting === 'object' && starting.preparing === 'abandoning'
      ? 'stopping'
      : 'starting';
  }
  // Releasing the workspace once the outcome is decided.
  return 'stopping';
}

export interface SessionWatcher {
  state(state: SessionState): void;
  ended(output: SessionOutput): void;
}

/**
 * Follows a session actor until it ends, including one that ended while it
 * was being started (a subscriber added then would only see `complete`).
 * An unexpected error of the session actor itself is reported as `failed`.
 */
export function watchSession(ref: AnyActorRef, watcher: SessionWatcher, now: () => number): void {
  let last: SessionState | undefined;
  const observe = (snapshot: SessionSnapshot) => {
    if (snapshot.status === 'done' && snapshot.output) {
      watcher.ended(snapshot.output);
      return;
    }
    if (snapshot.status === 'error') {
      const reason =
        snapshot.error instanceof Error ? snapshot.error.message : String(snapshot.error);
      watcher.ended({ outcome: 'failed', reason, restarts: 0, endedAt: now() });
      return;
    }
    const state = lifecycleState(snapshot);
    if (state !== last) {
      last = state;
      watcher.state(state);
    }
  };
  const current = ref.getSnapshot() as SessionSnapshot;
  observe(current);
  if (current.status !== 'active') return;
  ref.subscribe({
    next: (snapshot) => observe(snapshot as SessionSnapshot),
    error: (error) =>
      watcher.ended({
        outcome: 'failed',
        reason: error instanceof Error ? error.message : String(error),
        restarts: 0,
        endedAt: now(),
      }),
  });
}
