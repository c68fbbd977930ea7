/**
 * Workspaces: an isolated directory per session, a git worktree on its own
 * branch or an empty temp dir, created before the session's children start
 * and released per the keep policy when it ends.
 *
 * ```ts
 * manager.createSession({
 *   id: 'fix-42',
 *   workspace: { kind: 'git-worktree', repo: '/src/app', baseRef: 'main', keep: 'on_failure' },
 *   children: [{ id: 'tests', logic: fromProcess(), input: { command: 'npm', args: ['test'] } }],
 * });
 * // the process runs in <workspaceRoot>/fix-42, on branch xstate-otp/fix-42
 * ```
 *
 * See docs/workspaces.md for the whole story.
 */
export { claimDirectory, prepareRoot, removeDirectory } from './directory.js';
export { git, withRepoLock } from './git.js';
export {
  addGitWorktree,
  checkGitWorktree,
  type GitWorktreeTarget,
  pruneWorktrees,
  removeGitWorktree,
  worktreeProblem,
} from './gitWorktree.js';
export {
  planFromRecord,
  samePlace,
  toWorkspaceRecord,
  unsettledPlan,
  workspaceStatusOf,
} from './journalRecord.js';
export {
  type CreateWorkspaceOptions,
  createWorkspace,
  type ReleasedWorkspace,
  releaseWorkspace,
  removeWorkspace,
  workspaceLocation,
} from './lifecycle.js';
export {
  defaultWorkspaceRoot,
  isWithin,
  resolveWorkspaceRoot,
  WORKSPACE_BRANCH_PREFIX,
  workspaceBranch,
  workspacePath,
} from './paths.js';
export { DEFAULT_KEEP_POLICY, KEEP_POLICIES, keepsWorkspace } from './policy.js';
export { reuseWorkspace } from './reuse.js';
export { type CheckedWorkspaceSpec, checkWorkspaceSpec, planWorkspace } from './spec.js';
export { createTempDir, removeTempDir } from './tempDir.js';
export type {
  KeepPolicy,
  WorkspaceEvent,
  WorkspaceKind,
  WorkspaceLocation,
  WorkspacePlan,
  WorkspaceRecorder,
  WorkspaceSpec,
  WorkspaceStatus,
} from './types.js';
