/**
 * The shapes of a session's workspace: what a spec asks for, the plan the
 * manager resolves it to, and the events a workspace goes through.
 *
 * ```ts
 * const spec: WorkspaceSpec = { kind: 'git-worktree', repo: '/src/app', baseRef: 'main' };
 * // planned for session "fix-42" under the root /tmp/ws:
 * // { kind: 'git-worktree', sessionId: 'fix-42', root: '/tmp/ws', path: '/tmp/ws/fix-42',
 * //   repo: '/src/app', baseRef: 'main', branch: 'xstate-otp/fix-42', keep: 'on_failure' }
 * ```
 */

/** When a workspace survives its session; see `policy.ts`. */
export type KeepPolicy = 'never' | 'on_failure' | 'always';

/** `SessionSpec.workspace`: what a session asks for. */
export type WorkspaceSpec =
  | {
      kind: 'git-worktree';
      /** A git repository (any directory inside one); relative paths resolve against the host's cwd. */
      repo: string;
      /** The commit the new branch starts from. Default `HEAD`. */
      baseRef?: string;
      /** Default `'on_failure'`. */
      keep?: KeepPolicy;
    }
  | { kind: 'temp-dir'; keep?: KeepPolicy };

export type WorkspaceKind = WorkspaceSpec['kind'];

interface PlanBase {
  sessionId: string;
  /** The workspace root the path was built under. */
  root: string;
  /** `<root>/<sessionId>`, checked to stay under the root. */
  path: string;
  keep: KeepPolicy;
}

/** A workspace resolved for one session: every path and name it will use, decided up front. */
export type WorkspacePlan =
  | (PlanBase & {
      kind: 'git-worktree';
      /** Absolute. */
      repo: string;
      baseRef: string;
      /** `xstate-otp/<sessionId>`. */
      branch: string;
    })
  | (PlanBase & { kind: 'temp-dir' });

/**
 * What happened to a workspace, in order: `creating` (about to touch the
 * disk; journaled first so that a crash cannot forget it), `ready` (also
 * when a resumed attempt took it over: `reused`), then `kept` or `removed`
 * at the end. `rolled_back`: creation failed or was abandoned, and what it
 * had made is gone.
 */
export type WorkspaceStatus = 'creating' | 'ready' | 'kept' | 'removed' | 'rolled_back';

export interface WorkspaceEvent {
  status: WorkspaceStatus;
  workspace: WorkspacePlan;
  /** The commit a git worktree starts from, once resolved. */
  commit?: string;
  /** Why a removal failed (the workspace was then kept), or why creation failed. */
  error?: string;
  /** `ready` without creating anything: a resumed attempt took over its previous attempt's workspace. */
  reused?: true;
}

/**
 * Told about every workspace event, and awaited: `creating` must be durable
 * before anything is created. The session manager journals them and shows
 * them in the session's view.
 */
export type WorkspaceRecorder = (event: WorkspaceEvent) => Promise<void>;

/** What a session hands its children once its workspace exists. */
export interface WorkspaceLocation {
  path: string;
  branch?: string;
}
