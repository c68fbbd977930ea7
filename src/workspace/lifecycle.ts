/**
 * Creating a session's workspace, and releasing it when the session ends.
 *
 * ```ts
 * const controller = new AbortController();
 * const location = await createWorkspace(plan, { signal: controller.signal, record });
 * // ... the session runs in location.path ...
 * const { kept } = await releaseWorkspace(plan, 'failed', record); // on_failure: kept
 * ```
 *
 * Creation checks first (repository, ref, branch, path: typed failures,
 * nothing written), then records `creating` (durably, through `record`)
 * and only then touches the disk: a host that dies at any later point leaves
 * a journal entry that reconciliation will find. A failed creation undoes
 * its own work and records `rolled_back`.
 *
 * Aborting (`signal`) takes effect between steps: a git command already
 * running is allowed to finish, because killing git halfway can leave lock
 * files in the user's repository; what it made is then removed. An aborted
 * creation rejects with `WorkspaceError('aborted')` and leaves nothing.
 */

import { definedFields } from '../ground/defined.js';
import { errorMessage } from '../ground/errorMessage.js';
import { WorkspaceError } from '../ground/errors.js';
import type { Outcome } from '../journal/index.js';
import { pathExists, prepareRoot } from './directory.js';
import { addGitWorktree, checkGitWorktree, removeGitWorktree } from './gitWorktree.js';
import { keepsWorkspace } from './policy.js';
import { createTempDir, removeTempDir } from './tempDir.js';
import type {
  WorkspaceEvent,
  WorkspaceLocation,
  WorkspacePlan,
  WorkspaceRecorder,
} from './types.js';

export interface CreateWorkspaceOptions {
  signal?: AbortSignal;
  record: WorkspaceRecorder;
}

export interface ReleasedWorkspace {
  /** The directory is still there: by policy, or because removing it failed (`error`). */
  kept: boolean;
  error?: string;
}

/** What a session's children are told: the path, and the branch of a worktree. */
export function workspaceLocation(plan: WorkspacePlan): WorkspaceLocation {
  return plan.kind === 'git-worktree'
    ? { path: plan.path, branch: plan.branch }
    : { path: plan.path };
}

function abandoned(plan: WorkspacePlan): WorkspaceError {
  return new WorkspaceError(
    'aborted',
    `creation of workspace ${plan.path} was abandoned: the session ended first`,
  );
}

/** Removes the workspace and, for a worktree, its git entry and branch. */
export async function removeWorkspace(plan: WorkspacePlan): Promise<void> {
  if (plan.kind === 'git-worktree') await removeGitWorktree(plan);
  else await removeTempDir(plan.path);
}

export async function createWorkspace(
  plan: WorkspacePlan,
  { signal, record }: CreateWorkspaceOptions,
): Promise<WorkspaceLocation> {
  const commit =
    plan.kind === 'git-worktree' ? await checkGitWorktree(plan, plan.baseRef) : undefined;
  await prepareRoot(plan.root);
  if (await pathExists(plan.path)) {
    throw new WorkspaceError(
      'path_exists',
      `${plan.path} already exists (a kept workspace of an earlier session with this id?)`,
    );
  }
  if (signal?.aborted) throw abandoned(plan);
  const event = (status: WorkspaceEvent['status'], error?: string): WorkspaceEvent => ({
    status,
    workspace: plan,
    ...definedFields({ commit }),
    ...definedFields({ error }),
  });
  try {
    await record(event('creating'));
  } catch (error) {
    throw new WorkspaceError(
      'workspace_failed',
      `could not record workspace ${plan.path} before creating it (${errorMessage(error)})`,
      { cause: error },
    );
  }
  try {
    if (signal?.aborted) throw abandoned(plan);
    if (plan.kind === 'git-worktree') await addGitWorktree(plan, commit!);
    else await createTempDir(plan.path);
  } catch (error) {
    // Each kind's create undoes its own partial work before it throws.
    await record(event('rolled_back', errorMessage(error))).catch(() => {});
    throw error;
  }
  if (signal?.aborted) {
    try {
      await removeWorkspace(plan);
      await record(event('rolled_back', 'abandoned')).catch(() => {});
    } catch (error) {
      await record(event('kept', errorMessage(error))).catch(() => {});
    }
    throw abandoned(plan);
  }
  await record(event('ready')).catch(() => {});
  return workspaceLocation(plan);
}

/**
 * Applies the keep policy for `outcome`: keeps the workspace, or removes it
 * (a worktree with its branch). Never rejects: a removal that fails is
 * reported in `error`, with `kept` telling whether the directory survived.
 * A journal that fails here fails the terminal record too, which reports it.
 */
export async function releaseWorkspace(
  plan: WorkspacePlan,
  outcome: Outcome,
  record: WorkspaceRecorder,
): Promise<ReleasedWorkspace> {
  const note = (status: 'kept' | 'removed', error?: string) =>
    record({ status, workspace: plan, ...definedFields({ error }) }).catch(() => {});
  if (keepsWorkspace(plan.keep, outcome)) {
    await note('kept');
    return { kept: true };
  }
  try {
    await removeWorkspace(plan);
  } catch (error) {
    const message = errorMessage(error);
    const kept = await pathExists(plan.path);
    await note(kept ? 'kept' : 'removed', message);
    return { kept, error: message };
  }
  await note('removed');
  return { kept: false };
}
