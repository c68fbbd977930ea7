/**
 * Workspace events as journal records, and back.
 *
 * ```ts
 * await journal.append(toWorkspaceRecord({ status: 'creating', workspace: plan }, Date.now()));
 * // { type: 'workspace', sessionId: 'a', at, status: 'creating', kind: 'git-worktree',
 * //   path: '/tmp/ws/a', root: '/tmp/ws', keep: 'on_failure', repo, baseRef, branch, commit? }
 * const restored = planFromRecord(summary.workspace); // undefined unless it is one of ours, intact
 * const left = unsettledPlan(summary.workspace);       // the same, and only if nothing settled it
 * samePlace(left!, plan);                              // same kind, path (and repo, branch)
 * ```
 *
 * A session's last workspace record says where its workspace stands
 * (`replayJournal` keeps the last one); `creating` or `ready` as the last
 * word means nobody settled it. `planFromRecord` is the gate before
 * reconciliation deletes anything a journal names: the record must be
 * well-formed and its path and branch exactly those this runtime builds for
 * the session id, so an edited or foreign record can at worst be ignored.
 */

import { isAbsolute } from 'node:path';
import { definedFields } from '../ground/defined.js';
import type { JournalWorkspaceRecord } from '../journal/index.js';
import { workspaceBranch, workspacePath } from './paths.js';
import { KEEP_POLICIES } from './policy.js';
import type { KeepPolicy, WorkspaceEvent, WorkspacePlan, WorkspaceStatus } from './types.js';

const STATUSES: readonly WorkspaceStatus[] = [
  'creating',
  'ready',
  'kept',
  'removed',
  'rolled_back',
];

export function toWorkspaceRecord(event: WorkspaceEvent, at: number): JournalWorkspaceRecord {
  const plan = event.workspace;
  return {
    type: 'workspace',
    sessionId: plan.sessionId,
    at,
    status: event.status,
    kind: plan.kind,
    path: plan.path,
    root: plan.root,
    keep: plan.keep,
    ...(plan.kind === 'git-worktree'
      ? { repo: plan.repo, baseRef: plan.baseRef, branch: plan.branch }
      : {}),
    ...definedFields({ commit: event.commit }),
    ...definedFields({ error: event.error }),
    ...definedFields({ reused: event.reused }),
  };
}

export function workspaceStatusOf(record: JournalWorkspaceRecord): WorkspaceStatus | undefined {
  return STATUSES.includes(record.status as WorkspaceStatus)
    ? (record.status as WorkspaceStatus)
    : undefined;
}

/** The plan a record describes, or `undefined` if it is not an intact record of ours. */
export function planFromRecord(record: JournalWorkspaceRecord): WorkspacePlan | undefined {
  const { sessionId, root, path, keep, kind } = record;
  if (typeof root !== 'string' || !isAbsolute(root)) return undefined;
  if (!KEEP_POLICIES.includes(keep as KeepPolicy)) return undefined;
  try {
    if (path !== workspacePath(root, sessionId)) return undefined;
  } catch {
    return undefined;
  }
  const base = { sessionId, root, path, keep: keep as KeepPolicy };
  if (kind === 'temp-dir') return { ...base, kind };
  if (kind !== 'git-worktree') return undefined;
  const { repo, baseRef, branch } = record;
  if (typeof repo !== 'string' || !isAbsolute(repo)) return undefined;
  if (typeof baseRef !== 'string' || branch !== workspaceBranch(sessionId)) return undefined;
  return { ...base, kind, repo, baseRef, branch };
}

/**
 * The workspace a session's journal says it created and nothing has settled
 * since (its last workspace record is `creating` or `ready`, not `kept`,
 * `removed` or `rolled_back`), when the record is intact.
 */
export function unsettledPlan(
  record: JournalWorkspaceRecord | undefined,
): WorkspacePlan | undefined {
  if (record === undefined) return undefined;
  const status = workspaceStatusOf(record);
  if (status !== 'creating' && status !== 'ready') return undefined;
  return planFromRecord(record);
}

/** Whether two plans name the same workspace: kind, root, path, and a worktree's repo and branch. */
export function samePlace(a: WorkspacePlan, b: WorkspacePlan): boolean {
  if (a.kind !== b.kind || a.root !== b.root || a.path !== b.path) return false;
  return (
    a.kind === 'temp-dir' ||
    (b.kind === 'git-worktree' && a.repo === b.repo && a.branch === b.branch)
  );
}
