/**
 * Start-up reconciliation of workspaces: a session the previous host left
 * running still has its worktree or temp dir on disk. Apply its keep policy
 * as if it had ended `interrupted` (`on_failure` keeps it, so the agent's
 * work can be looked at), journal what was done, and `git worktree prune`
 * the repositories involved so git forgets worktrees whose directories are
 * gone.
 *
 * ```ts
 * const views = await settleWorkspaces(sessions, (id) => outcomes.get(id), recorder.raw, now);
 * views.get('a'); // { path: '/tmp/ws/a', branch: 'xstate-otp/a', kept: true }
 * ```
 *
 * A workspace is unsettled when its last journal record says `creating` or
 * `ready`: the host died before it was kept or removed (including a host
 * that died during an earlier reconciliation). Only records that describe
 * exactly the path and branch this runtime builds for the session are acted
 * on (`planFromRecord`); anything else is left alone and shown as kept.
 */

import type { Outcome } from '../ground/outcome.js';
import type { JournalRecord, SessionSummary } from '../journal/index.js';
import type { SessionView } from '../session/view.js';
import { pruneWorktrees } from '../workspace/gitWorktree.js';
import {
  planFromRecord,
  toWorkspaceRecord,
  workspaceStatusOf,
} from '../workspace/journalRecord.js';
import { releaseWorkspace } from '../workspace/lifecycle.js';
import type { WorkspaceEvent } from '../workspace/types.js';

type WorkspaceView = NonNullable<SessionView['workspace']>;

/** Returns the workspace to show for each session that has one. */
export async function settleWorkspaces(
  sessions: readonly SessionSummary[],
  outcomeOf: (sessionId: string) => Outcome,
  write: (record: JournalRecord) => Promise<void>,
  now: () => number,
): Promise<Map<string, WorkspaceView>> {
  const views = new Map<string, WorkspaceView>();
  const repos = new Set<string>();
  const failures: unknown[] = [];
  const record = (event: WorkspaceEvent) =>
    write(toWorkspaceRecord(event, now())).catch((error: unknown) => {
      failures.push(error);
    });

  const settle = async (summary: SessionSummary) => {
    const last = summary.workspace;
    if (!last) return;
    const location = {
      path: last.path,
      ...(typeof last.branch === 'string' ? { branch: last.branch } : {}),
    };
    const status = workspaceStatusOf(last);
    if (status === 'rolled_back') return;
    if (status === 'kept' || status === 'removed') {
      views.set(summary.sessionId, { ...location, kept: status === 'kept' });
      return;
    }
    if (status === undefined) {
      // Not written by this runtime: shown, never touched.
      views.set(summary.sessionId, location);
      return;
    }
    const plan = planFromRecord(last);
    if (!plan) {
      // Settled as kept, so that the next start does not look at it again.
      await write({
        ...last,
        at: now(),
        status: 'kept',
        error: 'left alone: the record does not describe a workspace this runtime makes',
      }).catch((error: unknown) => {
        failures.push(error);
      });
      views.set(summary.sessionId, { ...location, kept: true });
      return;
    }
    const outcome = outcomeOf(summary.sessionId);
    const released = await releaseWorkspace(plan, outcome, record);
    if (plan.kind === 'git-worktree') repos.add(plan.repo);
    views.set(summary.sessionId, { ...location, kept: released.kept });
  };

  await Promise.all(sessions.map(settle));
  // A repository that was deleted or moved has nothing to prune.
  await Promise.all([...repos].map((repo) => pruneWorktrees(repo).catch(() => {})));
  if (failures.length > 0) throw failures[0];
  return views;
}
