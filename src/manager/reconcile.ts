/**
 * Start-up reconciliation: rebuild the dashboard from the journal and close
 * the books on every session the previous host left running.
 *
 * A session with a `created` record but no `terminal` one was live when its
 * host died. It gets a terminal record with outcome `interrupted`, appended
 * once: the next open finds that record and appends nothing. The appends go
 * out together, so the journal writes them in one group commit.
 *
 * Then (`reconcileWorkspaces`, once their stray processes are gone) the
 * workspaces those sessions left on disk are kept or removed per their keep
 * policy (see `reconcileWorkspaces.ts`).
 */

import {
  type Journal,
  type JournalRecord,
  replayJournal,
  type SessionSummary,
  type TerminalRecord,
} from '../journal/index.js';
import type { Dashboard, SessionView } from './dashboardStore.js';
import { settleWorkspaces } from './reconcileWorkspaces.js';

export const INTERRUPTED_REASON = 'the host stopped before the session ended';

function interrupted(summary: SessionSummary, endedAt: number): TerminalRecord {
  return {
    sessionId: summary.sessionId,
    outcome: 'interrupted',
    reason: INTERRUPTED_REASON,
    createdAt: summary.createdAt,
    endedAt,
    restarts: 0,
    ...(summary.metadata === undefined ? {} : { metadata: summary.metadata }),
  };
}

function endedView(summary: SessionSummary, terminal: TerminalRecord): SessionView {
  return {
    id: summary.sessionId,
    state: terminal.outcome,
    outcome: terminal.outcome,
    createdAt: summary.createdAt,
    endedAt: terminal.endedAt,
    restarts: terminal.restarts,
    children: [],
    ...(summary.startedAt === undefined ? {} : { startedAt: summary.startedAt }),
    ...(summary.metadata === undefined ? {} : { metadata: summary.metadata }),
    ...(terminal.reason === undefined ? {} : { reason: terminal.reason }),
  };
}

/** Returns the summaries of the sessions it marked interrupted. */
export async function reconcile(
  records: readonly JournalRecord[],
  journal: Journal,
  dashboard: Dashboard,
  ended: Map<string, TerminalRecord>,
  now: () => number,
): Promise<SessionSummary[]> {
  const { sessions, unterminated } = replayJournal(records);
  const endedAt = now();
  const appends: Promise<void>[] = [];
  for (const summary of sessions) {
    let terminal: TerminalRecord;
    if (summary.terminal) {
      const { type: _type, at: _at, ...record } = summary.terminal;
      terminal = record;
    } else {
      terminal = interrupted(summary, endedAt);
      appends.push(journal.append({ type: 'terminal', at: endedAt, ...terminal }));
    }
    ended.set(summary.sessionId, terminal);
  }
  await Promise.all(appends);
  for (const summary of sessions) {
    dashboard.trigger.sessionAdded({ view: endedView(summary, ended.get(summary.sessionId)!) });
  }
  return unterminated;
}

/**
 * The second half, once the interrupted sessions' stray processes are gone:
 * their workspaces are kept or removed per policy, and every row shows its
 * session's workspace as the journal last saw it.
 */
export async function reconcileWorkspaces(
  records: readonly JournalRecord[],
  journal: Journal,
  dashboard: Dashboard,
  ended: ReadonlyMap<string, TerminalRecord>,
  now: () => number,
): Promise<void> {
  const { sessions } = replayJournal(records);
  const views = await settleWorkspaces(sessions, ended, journal, now);
  for (const [id, workspace] of views) {
    dashboard.trigger.sessionChanged({ id, patch: { workspace } });
  }
}
