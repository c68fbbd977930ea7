/**
 * The directories of workspaces: the root they live under, claiming a
 * session's directory, and removing it.
 *
 * ```ts
 * await prepareRoot('/tmp/ws');            // mkdir -p; the default root must be ours
 * await claimDirectory('/tmp/ws/fix-42');  // fails with 'path_exists' if anything is there
 * await removeDirectory('/tmp/ws/fix-42'); // rm -rf; fine if already gone
 * ```
 *
 * Claiming is one `mkdir` without `recursive`: it fails if anything already
 * has the name, so a workspace never takes over a directory (or a kept
 * workspace) it did not make, and whatever is at the path after a claim is
 * ours to remove.
 */
import { lstat, mkdir, rm } from 'node:fs/promises';
import { errorMessage } from '../ground/errorMessage.js';
import { WorkspaceError } from '../ground/errors.js';
import { defaultWorkspaceRoot } from './paths.js';

/** Turns a file-system error into a `WorkspaceError` naming its cause. */
export function fsFailure(error: unknown, doing: string): WorkspaceError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = errorMessage(error);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new WorkspaceError('permission', `no permission ${doing} (${message})`, {
      cause: error,
    });
  }
  if (code === 'EEXIST') {
    return new WorkspaceError('path_exists', `${doing}: the path already exists`, {
      cause: error,
    });
  }
  return new WorkspaceError('workspace_failed', `${doing} failed (${message})`, { cause: error });
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the root if needed. The default root sits in the shared temp
 * directory, so it must be a real directory owned by this user: another
 * user could otherwise plant it (or a symlink) to read or redirect our work.
 */
export async function prepareRoot(root: string): Promise<void> {
  const isDefault = root === defaultWorkspaceRoot();
  try {
    await mkdir(root, { recursive: true, ...(isDefault ? { mode: 0o700 } : {}) });
  } catch (error) {
    throw fsFailure(error, `to create the workspace root ${root}`);
  }
  if (!isDefault || typeof process.getuid !== 'function') return;
  const stats = await lstat(root);
  if (!stats.isDirectory() || stats.uid !== process.getuid()) {
    throw new WorkspaceError(
      'permission',
      `the default workspace root ${root} is not a directory owned by this user; remove it or pass workspaceRoot`,
    );
  }
}

export async function claimDirectory(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new WorkspaceError(
        'path_exists',
        `${path} already exists (a kept workspace of an earlier session with this id?)`,
        { cause: error },
      );
    }
    throw fsFailure(error, `to create ${path}`);
  }
}

export async function removeDirectory(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: 2 });
  } catch (error) {
    throw fsFailure(error, `to remove ${path}`);
  }
}
