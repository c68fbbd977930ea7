/**
 * A `JournalError` told to someone at a shell: what went wrong with which
 * file, and what to type next. The library's own messages advise library
 * callers ("close it and open it again"); a CLI user needs other advice.
 *
 * ```ts
 * journalFailure(error); // CliError('cannot write the journal /x/j.jsonl: the disk is full (ENOSPC). Free some space, …')
 * ```
 */
import type { JournalError } from '../ground/errors.js';
import { describeFsError, errno } from '../journal/journalFs.js';
import { CliError } from './errors.js';
import { oneLine } from './format.js';

const ADVICE: Record<string, (path: string) => string> = {
  ENOSPC: (path) =>
    `cannot write the journal ${path}: the disk is full (ENOSPC). Free some space, or pass --journal PATH on another disk, and run the command again`,
  EDQUOT: (path) =>
    `cannot write the journal ${path}: the disk quota is used up (EDQUOT). Free some space, or pass --journal PATH elsewhere, and run the command again`,
  EROFS: (path) =>
    `cannot write the journal ${path}: its file system is read-only (EROFS). Pass --journal PATH on a writable file system`,
  EACCES: (path) =>
    `cannot use the journal ${path}: permission denied (EACCES). Check the permissions of the file and its directory, or pass --journal PATH elsewhere`,
  EPERM: (path) =>
    `cannot use the journal ${path}: operation not permitted (EPERM). Check the permissions of the file and its directory, or pass --journal PATH elsewhere`,
  ENOENT: (path) => `no journal at ${path}`,
  EISDIR: (path) => `${path} is a directory, not a journal`,
  EINVAL: (path) =>
    `${path} is not a regular file, so it cannot be a journal. Pass --journal with a file path`,
};

export function journalFailure(error: JournalError): CliError {
  const path = error.path ?? 'the journal';
  if (error.code !== 'io') return new CliError(oneLine(error.message));
  const advice = ADVICE[errno(error.cause) ?? ''];
  if (advice) return new CliError(advice(path));
  return new CliError(
    error.cause === undefined
      ? oneLine(error.message)
      : `cannot use the journal ${path}: ${oneLine(describeFsError(error.cause))}`,
  );
}
