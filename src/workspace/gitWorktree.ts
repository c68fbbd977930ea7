/**
 * A `git-worktree` workspace: a linked working tree of the session's
 * repository, on a new branch `xstate-otp/<sessionId>` started from `baseRef`.
 *
 * ```ts
 * const target = { repo: '/src/app', path: '/tmp/ws/fix-42', branch: 'xstate-otp/fix-42' };
 * const commit = await checkGitWorktree(target, 'main'); // typed failure before anything changes
 * await addGitWorktree(target, commit);  // git -C /src/app worktree add -b xstate-otp/fix-42 /tmp/ws/fix-42 <commit>
 * await removeGitWorktree(target);       // worktree remove --force, rm -rf, worktree prune, branch -D
 * await worktreeProblem(target);         // undefined while target.path is still that worktree
 * ```
 *
 * Each step either succeeds or leaves nothing behind: `addGitWorktree` undoes
 * its own partial work (the directory it claimed, git's entry for it, the
 * branch if it made it). A branch that existed before is never touched.
 * `baseRef` is resolved to a commit first and passed after
 * `--end-of-options`, so no ref can be read as an option.
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorMessage } from '../ground/errorMessage.js';
import { WorkspaceError } from '../ground/errors.js';
import { claimDirectory, removeDirectory } from './directory.js';
import { type GitResult, git, gitMessage, withRepoLock } from './git.js';

export interface GitWorktreeTarget {
  repo: string;
  path: string;
  branch: string;
}

function classify(result: GitResult, context: string): WorkspaceError {
  const message = `${context}: ${gitMessage(result)}`;
  if (/permission denied|dubious ownership|read-only file system/i.test(result.stderr)) {
    return new WorkspaceError('permission', `no permission: ${message}`);
  }
  if (/already exists/i.test(result.stderr)) {
    return new WorkspaceError(
      /a branch named/i.test(result.stderr) ? 'branch_exists' : 'path_exists',
      message,
    );
  }
  return new WorkspaceError('workspace_failed', message);
}

async function branchExists(repo: string, branch: string): Promise<boolean> {
  const result = await git(repo, [
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `refs/heads/${branch}`,
  ]);
  return result.ok;
}

function branchExistsError(target: GitWorktreeTarget): WorkspaceError {
  return new WorkspaceError(
    'branch_exists',
    `branch ${target.branch} already exists in ${target.repo} (left by an earlier session with this id?)`,
  );
}

/**
 * Checks everything that can be checked without changing anything: `repo`
 * is a git repository, `baseRef` names a commit, the branch is free.
 * Returns the commit `baseRef` resolves to.
 */
export async function checkGitWorktree(
  target: GitWorktreeTarget,
  baseRef: string,
): Promise<string> {
  const gitDir = await git(target.repo, ['rev-parse', '--git-dir']);
  if (!gitDir.ok) {
    if (/dubious ownership/i.test(gitDir.stderr)) {
      throw classify(gitDir, `git refuses to use ${target.repo}`);
    }
    const missing = /cannot change to/i.test(gitDir.stderr);
    throw new WorkspaceError(
      'not_a_repository',
      missing
        ? `repo ${target.repo} does not exist or cannot be entered (${gitMessage(gitDir)})`
        : `${target.repo} is not a git repository (${gitMessage(gitDir)})`,
    );
  }
  const commit = await git(target.repo, [
    'rev-parse',
    '--verify',
    '--quiet',
    '--end-of-options',
    `${baseRef}^{commit}`,
  ]);
  if (!commit.ok || !/^[0-9a-f]{40,64}$/.test(commit.stdout.trim())) {
    throw new WorkspaceError(
      'bad_ref',
      `baseRef ${JSON.stringify(baseRef)} does not name a commit in ${target.repo}`,
    );
  }
  if (await branchExists(target.repo, target.branch)) throw branchExistsError(target);
  return commit.stdout.trim();
}

/** Creates the worktree at `target.path` on a new branch at `commit`; on failure nothing is left. */
export function addGitWorktree(target: GitWorktreeTarget, commit: string): Promise<void> {
  return withRepoLock(target.repo, async () => {
    // Checked again under the lock: another session of this host may have taken it since.
    if (await branchExists(target.repo, target.branch)) throw branchExistsError(target);
    await claimDirectory(target.path);
    const added = await git(target.repo, [
      'worktree',
      'add',
      '-b',
      target.branch,
      '--end-of-options',
      target.path,
      commit,
    ]);
    if (added.ok) return;
    const error = classify(added, `git worktree add ${target.path} failed`);
    // The directory is ours (claimed); the branch is ours unless git said it already existed.
    await undo(target, error.code !== 'branch_exists');
    throw error;
  });
}

/** Best effort: the directory, git's entry for it, and (when ours) the branch. */
async function undo(target: GitWorktreeTarget, ownBranch: boolean): Promise<void> {
  await removeDirectory(target.path).catch(() => {});
  await git(target.repo, ['worktree', 'prune']).catch(() => {});
  if (ownBranch && (await branchExists(target.repo, target.branch).catch(() => false))) {
    await git(target.repo, ['branch', '-D', '--end-of-options', target.branch]).catch(() => {});
  }
}

/**
 * Removes the worktree, its directory, git's entry and its branch. Tolerates
 * any of them being gone already (a crash halfway, a user who deleted the
 * directory). Throws a `WorkspaceError` naming what could not be removed.
 */
export function removeGitWorktree(target: GitWorktreeTarget): Promise<void> {
  return withRepoLock(target.repo, async () => {
    const problems: string[] = [];
    // `worktree remove` may refuse (the directory is gone, the tree has
    // submodules); removing the directory and pruning does the same job then.
    await git(target.repo, ['worktree', 'remove', '--force', '--end-of-options', target.path]);
    try {
      await removeDirectory(target.path);
    } catch (error) {
      problems.push(errorMessage(error));
    }
    const pruned = await git(target.repo, ['worktree', 'prune']);
    if (!pruned.ok) problems.push(`git worktree prune: ${gitMessage(pruned)}`);
    if (await branchExists(target.repo, target.branch)) {
      const deleted = await git(target.repo, ['branch', '-D', '--end-of-options', target.branch]);
      if (!deleted.ok) problems.push(`git branch -D ${target.branch}: ${gitMessage(deleted)}`);
    }
    if (problems.length > 0) {
      throw new WorkspaceError(
        'workspace_failed',
        `could not fully remove worktree ${target.path}: ${problems.join('; ')}`,
      );
    }
  });
}

/** `git worktree prune`: forgets worktrees whose directories are gone. */
export async function pruneWorktrees(repo: string): Promise<void> {
  const pruned = await withRepoLock(repo, () => git(repo, ['worktree', 'prune']));
  if (!pruned.ok) throw classify(pruned, `git worktree prune in ${repo} failed`);
}

/** The real path of `path` (resolved against `base`), or `undefined` when it does not resolve. */
async function realPathOf(base: string, path: string): Promise<string | undefined> {
  try {
    return await realpath(resolve(base, path));
  } catch {
    return undefined;
  }
}

/**
 * Whether `target.path` is still the worktree `addGitWorktree` made: the top
 * of a working tree of `target.repo` (same git common directory), with
 * `target.branch` checked out. Returns what is wrong, or `undefined`. Reads
 * only: a resumed attempt asks before it works in what it finds there.
 */
export async function worktreeProblem(target: GitWorktreeTarget): Promise<string | undefined> {
  const path = await realPathOf(target.path, '.');
  if (path === undefined) return `${target.path} cannot be resolved`;
  const top = await git(path, ['rev-parse', '--show-toplevel']);
  if (!top.ok) return `${target.path} is not a git working tree (${gitMessage(top)})`;
  if ((await realPathOf(path, top.stdout.trim())) !== path) {
    return `${target.path} lies inside another working tree (${top.stdout.trim()})`;
  }
  const [own, repo] = await Promise.all([
    git(path, ['rev-parse', '--git-common-dir']),
    git(target.repo, ['rev-parse', '--git-common-dir']),
  ]);
  const ownCommon = own.ok ? await realPathOf(path, own.stdout.trim()) : undefined;
  const repoCommon = repo.ok ? await realPathOf(target.repo, repo.stdout.trim()) : undefined;
  if (ownCommon === undefined || ownCommon !== repoCommon) {
    return `${target.path} is not a worktree of ${target.repo}`;
  }
  const head = await git(path, ['symbolic-ref', '--quiet', 'HEAD']);
  if (!head.ok || head.stdout.trim() !== `refs/heads/${target.branch}`) {
    const on = head.ok ? head.stdout.trim().replace(/^refs\/heads\//, '') : 'a detached HEAD';
    return `${target.path} is on ${on}, not on branch ${target.branch}`;
  }
  return undefined;
}
