/**
 * Following a session actor from outside: its lifecycle state, read from the
 * tags of its statechart, and its outcome once it ends.
 *
 * ```ts
 * followSession(session.ref, {
 *   state: (state) => console.log(state),      // 'starting' → 'running' → 'stopping'
 *   ended: (output) => console.log(output),    // { outcome, reason?, restarts, endedAt }
 *   crashed: (error) => console.error(error),  // the actor itself errored (a refused claim)
 * });
 * ```
 */
import type { AnyActorRef } from 'xstate';
import type { SessionOutput } from './types.js';
import type { SessionState } from './view.js';

interface SessionSnapshot {
  status: string;
  output?: SessionOutput;
  error?: unknown;
  hasTag(tag: string): boolean;
}

/** The lifecycle state a snapshot is in, from its tags; an ended session shows its outcome. */
function lifecycleState(snapshot: SessionSnapshot): SessionState {
  if (snapshot.status === 'done' && snapshot.output) return snapshot.output.outcome;
  if (snapshot.hasTag('running')) return 'running';
  // Checked before `starting`: a session cancelled while it starts is both.
  if (snapshot.hasTag('stopping')) return 'stopping';
  return 'starting';
}

export interface SessionFollower {
  state(state: SessionState): void;
  ended(output: SessionOutput): void;
  /** The session actor itself errored: a refused claim, or a bug. */
  crashed(error: unknown): void;
}

/**
 * Reports each lifecycle change once, then the end. Works on a session that
 * already ended while it was being started (a subscriber added then would
 * only see `complete`).
 */
export function followSession(ref: AnyActorRef, follower: SessionFollower): void {
  let last: SessionState | undefined;
  let finished = false;
  const crash = (error: unknown) => {
    if (finished) return;
    finished = true;
    follower.crashed(error);
  };
  const observe = (snapshot: SessionSnapshot) => {
    if (finished) return;
    if (snapshot.status === 'done' && snapshot.output) {
      finished = true;
      follower.ended(snapshot.output);
      return;
    }
    if (snapshot.status === 'error') {
      crash(snapshot.error);
      return;
    }
    const state = lifecycleState(snapshot);
    if (state !== last) {
      last = state;
      follower.state(state);
    }
  };
  const current = ref.getSnapshot() as SessionSnapshot;
  observe(current);
  if (current.status !== 'active') return;
  ref.subscribe({
    next: (snapshot) => observe(snapshot as SessionSnapshot),
    error: crash,
  });
}
