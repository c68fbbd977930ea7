/**
 * Checking `SessionSpec.workspace` and planning it for one session.
 *
 * ```ts
 * const spec = checkWorkspaceSpec({ kind: 'git-worktree', repo: '.' }, 'Session "a"'); // repo made absolute
 * planWorkspace(spec, '/tmp/ws', 'a');
 * // { kind: 'git-worktree', sessionId: 'a', root: '/tmp/ws', path: '/tmp/ws/a', repo: '/cwd',
 * //   baseRef: 'HEAD', branch: 'xstate-otp/a', keep: 'on_failure' }
 * ```
 *
 * Bad input is a `SupervisorError('invalid_spec')`, thrown before anything
 * is written or started, like every other session spec error. Whether the
 * repository and the ref exist is only known once git is asked: that is a
 * failed session, not a thrown error.
 */
import { resolve } from 'node:path';
import { SupervisorError } from '../ground/errors.js';
import { shown } from '../ground/shown.js';
import { workspaceBranch, workspacePath } from './paths.js';
import { DEFAULT_KEEP_POLICY, KEEP_POLICIES } from './policy.js';
import type { KeepPolicy, WorkspacePlan, WorkspaceSpec } from './types.js';

type Fields = Record<string, unknown>;

/** A checked spec: defaults applied, `repo` absolute. */
export type CheckedWorkspaceSpec =
  | { kind: 'git-worktree'; repo: string; baseRef: string; keep: KeepPolicy }
  | { kind: 'temp-dir'; keep: KeepPolicy };

const KNOWN_KEYS = {
  'git-worktree': new Set(['kind', 'repo', 'baseRef', 'keep']),
  'temp-dir': new Set(['kind', 'keep']),
};

function invalid(owner: string, message: string): SupervisorError {
  return new SupervisorError('invalid_spec', `${owner}: workspace ${message}`);
}

function checkKeep(value: unknown, owner: string): KeepPolicy {
  if (value === undefined) return DEFAULT_KEEP_POLICY;
  if (!KEEP_POLICIES.includes(value as KeepPolicy)) {
    throw invalid(owner, `keep must be one of ${KEEP_POLICIES.join(', ')}; got ${shown(value)}.`);
  }
  return value as KeepPolicy;
}

/** `owner` names the session in messages, e.g. `Session "a"`. */
export function checkWorkspaceSpec(spec: WorkspaceSpec, owner: string): CheckedWorkspaceSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw invalid(owner, 'must be an object with a kind.');
  }
  const fields = spec as unknown as Fields;
  const kind = fields.kind;
  if (kind !== 'git-worktree' && kind !== 'temp-dir') {
    throw invalid(owner, `kind must be 'git-worktree' or 'temp-dir'; got ${shown(kind)}.`);
  }
  // A misspelt or misplaced option (baseRef on a temp-dir) would otherwise be silently ignored.
  const unknown = Object.keys(fields).filter((key) => !KNOWN_KEYS[kind].has(key));
  if (unknown.length > 0) {
    throw invalid(owner, `of kind '${kind}' has unknown option(s): ${unknown.join(', ')}.`);
  }
  const keep = checkKeep(fields.keep, owner);
  if (kind === 'temp-dir') return { kind, keep };
  const { repo, baseRef = 'HEAD' } = fields;
  if (typeof repo !== 'string' || repo === '' || repo.includes('\0')) {
    throw invalid(owner, `repo must be a non-empty path; got ${shown(repo)}.`);
  }
  if (
    typeof baseRef !== 'string' ||
    baseRef === '' ||
    baseRef.startsWith('-') ||
    /[\0\s]/.test(baseRef)
  ) {
    throw invalid(
      owner,
      `baseRef must be a git revision (non-empty, no spaces, not starting with '-'); got ${shown(baseRef)}.`,
    );
  }
  return { kind, repo: resolve(repo), baseRef, keep };
}

/** Every path and name the session's workspace will use. */
export function planWorkspace(
  spec: CheckedWorkspaceSpec,
  root: string,
  sessionId: string,
): WorkspacePlan {
  const base = { sessionId, root, path: workspacePath(root, sessionId), keep: spec.keep };
  if (spec.kind === 'temp-dir') return { ...base, kind: 'temp-dir' };
  return {
    ...base,
    kind: 'git-worktree',
    repo: spec.repo,
    baseRef: spec.baseRef,
    branch: workspaceBranch(sessionId),
  };
}
