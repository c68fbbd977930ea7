/**
 * A resumed durable session's workspace: the one its previous attempt
 * created, when it is still there and still that workspace, else a new one.
 *
 * ```ts
 * // The journal says an earlier attempt of 'fix-42' created /tmp/ws/fix-42 and nothing settled it.
 * const location = await reuseWorkspace(plan, { record });
 * // still there and still the worktree on xstate-otp/fix-42: nothing created, a `ready` record
 * //   ({ reused: true }), the same location for the children;
 * // gone (another machine, or creation never finished): created afresh (`createWorkspace`);
 * // something else there: WorkspaceError 'workspace_replaced', and it is left alone.
 * ```
 *
 * Only the caller knows from the journal that the session made the
 * workspace (a `creating` or `ready` record that nothing settled since);
 * this module checks what is on disk now. A temp dir must still be a real
 * directory (not a symlink). A git worktree must still be a working tree of
 * the session's repository, its top at the path, on branch
 * `xstate-otp/<id>`: the agent's work may have been committed there, and a
 * directory someone put in its place is not the session's to work in (or,
 * later, to remove). A refused workspace is journaled `kept`, with the
 * reason, so that no later reconciliation removes what is there.
 *
 * An empty directory at a worktree's path is a creation that never got as
 * far as `git worktree add` (the directory is claimed first): it is removed
 * and the worktree created afresh.
 */
import { lstat, readdir } from 'node:fs/promises';
import { WorkspaceError } from '../ground/errors.js';
import { removeDirectory } from './directory.js';
import { pruneWorktrees, worktreeProblem } from './gitWorktree.js';
import { type CreateWorkspaceOptions, createWorkspace, workspaceLocation } from './lifecycle.js';
import type { WorkspaceLocation, WorkspacePlan } from './types.js';

type Found = 'missing' | 'empty' | 'directory' | 'other';

async function whatIsAt(path: string): Promise<Found> {
  let stats: Awaited<ReturnType<typeof lstat>>;
  try {
    stats = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new WorkspaceError('workspace_failed', `cannot look at ${path}`, { cause: error });
  }
  if (!stats.isDirectory()) return 'other';
  return (await readdir(path)).length === 0 ? 'empty' : 'directory';
}

/** What is wrong with what is at the plan's path, or `undefined` when it is the session's workspace. */
async function problemWith(plan: WorkspacePlan, found: Found): Promise<string | undefined> {
  if (found === 'other') return `${plan.path} is no longer a directory`;
  if (plan.kind === 'temp-dir') return undefined;
  return worktreeProblem(plan);
}

/**
 * Reuses the workspace a previous attempt of the session created (see
 * above), or creates it afresh when it is gone. `signal` is only passed on
 * to a fresh creation: a reused workspace is the session's either way, and
 * the session releases it (or hands it on) like one it created.
 */
export async function reuseWorkspace(
  plan: WorkspacePlan,
  options: CreateWorkspaceOptions,
): Promise<WorkspaceLocation> {
  const found = await whatIsAt(plan.path);
  if (found === 'missing') return createWorkspace(plan, options);
  if (found === 'empty' && plan.kind === 'git-worktree') {
    await removeDirectory(plan.path);
    await pruneWorktrees(plan.repo).catch(() => {});
    return createWorkspace(plan, options);
  }
  const problem = await problemWith(plan, found);
  if (problem !== undefined) {
    const error = `left alone: ${problem}`;
    await options.record({ status: 'kept', workspace: plan, error }).catch(() => {});
    throw new WorkspaceError(
      'workspace_replaced',
      `the workspace of session "${plan.sessionId}" was replaced: ${problem}. It is left as it is; move it away to let the session create a new one.`,
    );
  }
  await options.record({ status: 'ready', workspace: plan, reused: true }).catch(() => {});
  return workspaceLocation(plan);
}
