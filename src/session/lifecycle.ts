/**
 * Following a session actor from outside: its lifecycle state, read from the
 * tags of its statechart, its children and restarts, read from its child
 * table, and its outcome once it ends.
 *
 * ```ts
 * followSession(session.ref, {
 *   changed: (change) => console.log(change),  // { state: 'running', children: [{ id: 'agent', status: 'running' }] }
 *   ended: (output) => console.log(output),    // { outcome, reason?, restarts, endedAt }
 *   crashed: (error) => console.error(error),  // the actor itself errored (a refused claim)
 * });
 * ```
 *
 * The child table is immutable, so a snapshot whose table is the previous
 * one's has nothing new to report about children.
 */
import type { AnyActorRef } from 'xstate';
import type { SessionContext } from './sessionMachine.js';
import type { SessionOutput } from './types.js';
import type { SessionChildView, SessionState } from './view.js';

interface SessionSnapshot {
  status: string;
  context: SessionContext;
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

/** What changed since the last report: the lifecycle state, the children or the restarts. */
export interface SessionChange {
  state?: SessionState;
  /** The children's statuses, in start order. */
  children?: SessionChildView[];
  /** Restarts so far, all children together. */
  restarts?: number;
}

export interface SessionFollower {
  /** Once per snapshot that changed something a view shows. */
  changed(change: SessionChange): void;
  /** The end, with the children as they were left when it changed them last. */
  ended(output: SessionOutput, change: SessionChange): void;
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
  let table: SessionContext['table'] | undefined;
  let shown: SessionChildView[] = [];
  let restarts = 0;
  let finished = false;
  const childrenChange = (context: SessionContext): SessionChange => {
    if (context.table === table && context.totalRestarts === restarts) return {};
    table = context.table;
    const children = table.inStartOrder().map((r) => ({ id: r.spec.id, status: r.status }));
    const change: SessionChange = {};
    if (!sameChildren(children, shown)) change.children = shown = children;
    if (context.totalRestarts !== restarts) change.restarts = restarts = context.totalRestarts;
    return change;
  };
  const crash = (error: unknown) => {
    if (finished) return;
    finished = true;
    follower.crashed(error);
  };
  const observe = (snapshot: SessionSnapshot) => {
    if (finished) return;
    if (snapshot.status === 'done' && snapshot.output) {
      finished = true;
      follower.ended(snapshot.output, childrenChange(snapshot.context));
      return;
    }
    if (snapshot.status === 'error') {
      crash(snapshot.error);
      return;
    }
    const change = childrenChange(snapshot.context);
    const state = lifecycleState(snapshot);
    if (state !== last) change.state = last = state;
    if (change.state || change.children || change.restarts !== undefined) follower.changed(change);
  };
  const current = ref.getSnapshot() as SessionSnapshot;
  observe(current);
  if (current.status !== 'active') return;
  ref.subscribe({
    next: (snapshot) => observe(snapshot as SessionSnapshot),
    error: crash,
  });
}

function sameChildren(a: SessionChildView[], b: SessionChildView[]): boolean {
  return (
    a.length === b.length &&
    a.every((child, i) => child.id === b[i]!.id && child.status === b[i]!.status)
  );
}
