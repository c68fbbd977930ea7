/**
 * A `temp-dir` workspace: an empty directory of the session's own under the
 * workspace root, for sessions that need scratch space but no repository.
 *
 * ```ts
 * await createTempDir('/tmp/ws/fix-42'); // empty, ours
 * await removeTempDir('/tmp/ws/fix-42'); // gone, with whatever the session wrote
 * ```
 */
import { claimDirectory, removeDirectory } from './directory.js';

export async function createTempDir(path: string): Promise<void> {
  await claimDirectory(path);
}

export async function removeTempDir(path: string): Promise<void> {
  await removeDirectory(path);
}
