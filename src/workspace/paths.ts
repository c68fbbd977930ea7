/**
 * Where workspaces live: one directory per session under a workspace root,
 * named by the session id, and a branch named after it.
 *
 * ```ts
 * workspacePath('/tmp/ws', 'fix-42');  // '/tmp/ws/fix-42'
 * workspacePath('/tmp/ws', '../etc');  // throws SessionError 'invalid_id'
 * workspaceBranch('fix-42');           // 'xstate-otp/fix-42'
 * ```
 *
 * Paths are built with `path.join` from ids that match the session id
 * pattern, and then checked with `path.relative` to be a direct child of the
 * root: a user string never reaches the file system unchecked, even if the
 * pattern is loosened one day.
 */
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SessionError, SupervisorError } from '../ground/errors.js';
import { shown } from '../ground/shown.js';

/** The same rule as session ids (`SESSION_ID_PATTERN`): letters, digits, `_`, `-`; no dots, no separators. */
const SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Branches of session worktrees are `xstate-otp/<sessionId>`. */
export const WORKSPACE_BRANCH_PREFIX = 'xstate-otp/';

/**
 * The default root: a folder of this user under the OS temp directory (the
 * uid in its name keeps users of one machine apart; see `lifecycle.ts` for
 * the ownership check).
 */
export function defaultWorkspaceRoot(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `xstate-otp-workspaces-${uid}`);
}

/** Checks the `workspaceRoot` option and makes it absolute (relative to the host's cwd). */
export function resolveWorkspaceRoot(root: unknown): string {
  if (root === undefined) return defaultWorkspaceRoot();
  if (typeof root !== 'string' || root === '' || root.includes('\0')) {
    throw new SupervisorError(
      'invalid_spec',
      `workspaceRoot must be a non-empty path; got ${shown(root)}.`,
    );
  }
  return resolve(root);
}

function checkName(sessionId: string): void {
  if (!SAFE_NAME.test(sessionId)) {
    throw new SessionError(
      'invalid_id',
      `Invalid session id ${shown(sessionId)} for a workspace: use 1 to 64 letters, digits, '_' or '-'.`,
      { sessionId },
    );
  }
}

/** True when `path` is `root` itself or lies under it. */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** `<root>/<sessionId>`; throws `SessionError('invalid_id')` for an id that could leave the root. */
export function workspacePath(root: string, sessionId: string): string {
  checkName(sessionId);
  const absoluteRoot = resolve(root);
  const path = join(absoluteRoot, sessionId);
  // A direct child of the root, named exactly by the id: nothing else.
  if (relative(absoluteRoot, path) !== sessionId || !isWithin(absoluteRoot, path)) {
    throw new SessionError(
      'invalid_id',
      `Session id ${shown(sessionId)} would place its workspace outside ${absoluteRoot}.`,
      { sessionId },
    );
  }
  return path;
}

export function workspaceBranch(sessionId: string): string {
  checkName(sessionId);
  return `${WORKSPACE_BRANCH_PREFIX}${sessionId}`;
}
