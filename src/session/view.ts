/**
 * What a session looks like from outside: one `SessionView` per session, live
 * or ended, and the one projection from a journal summary to a view, shared by
 * the manager's reconciliation, its history, cluster mode and the CLI.
 *
 * ```ts
 * const { sessions } = replayJournal(records);
 * const views = sessions.map((summary) => viewOfSummary(summary));
 * ```
 */
import { definedFields } from '../ground/defined.js';
import { OUTCOMES, type Outcome } from '../ground/outcome.js';
import type { SessionSummary } from '../journal/replay.js';
import type { ChildStatus } from '../supervisor/types.js';

/** A session's lifecycle state as the dashboard shows it. */
export type SessionState = 'starting' | 'running' | 'stopping' | Outcome;

/** Every `SessionState`, in lifecycle order. */
export const SESSION_STATES: readonly SessionState[] = [
  'starting',
  'running',
  'stopping',
  ...OUTCOMES,
];

export interface SessionChildView {
  id: string;
  status: ChildStatus;
}

export interface SessionView {
  id: string;
  state: SessionState;
  outcome?: Outcome;
  reason?: string;
  /** The host that owns (or owned) the session: its manager's `hostId`. */
  host?: string;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  restarts: number;
  /** A durable session's current (or last) run: 1, plus one per resume. Absent for other sessions. */
  attempt?: number;
  metadata?: Record<string, unknown>;
  children: SessionChildView[];
  workspace?: { path: string; branch?: string; kept?: boolean };
  /**
   * Set when the journal refused this session's record (a full disk): the
   * outcome shown may not be durable. The message says what failed.
   */
  unrecorded?: string;
}

/** The view of a session as storage knows it (ended, or live on another host). */
export function viewOfSummary(summary: SessionSummary): SessionView {
  const { terminal } = summary;
  const state: SessionState = terminal
    ? terminal.outcome
    : summary.startedAt === undefined
      ? 'starting'
      : 'running';
  // Keys in reading order: the CLI prints views as JSON.
  return {
    id: summary.sessionId,
    state,
    ...definedFields({
      outcome: terminal?.outcome,
      reason: terminal?.reason,
      host: terminal?.host ?? summary.host,
    }),
    createdAt: summary.createdAt,
    ...definedFields({ startedAt: summary.startedAt, endedAt: terminal?.endedAt }),
    restarts: terminal?.restarts ?? summary.restarts ?? 0,
    ...definedFields({
      attempt: terminal?.attempts ?? summary.attempts,
      metadata: summary.metadata,
      workspace: summary.workspace && {
        path: summary.workspace.path,
        ...definedFields({
          branch: summary.workspace.branch,
          kept: workspaceKept(summary.workspace.status),
        }),
      },
    }),
    children: [],
  };
}

function workspaceKept(status: unknown): boolean | undefined {
  if (status === 'kept') return true;
  if (status === 'removed' || status === 'rolled_back') return false;
  return undefined;
}
