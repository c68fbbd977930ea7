/**
 * A journal's identity: its real path (symlinks and `./` spellings
 * resolved), and the short scope digest every process started under it
 * carries.
 *
 * ```ts
 * realJournalPath('./state/../state/journal.jsonl'); // '/srv/app/state/journal.jsonl'
 * realJournalPath('/srv/link-to-state/journal.jsonl'); // the same, through the symlinked directory
 * journalScope('.xstate-otp/journal.jsonl');           // 'a3f09c1e52b7d480': 16 hex digits, stable
 * ```
 *
 * The journal need not exist yet: the missing part of the path is appended
 * to the real path of the part that exists, and a dangling symlink is
 * followed to where the journal would be created. So the lock (taken on the
 * real path) is the same file whichever spelling a writer used, and two
 * spellings of one journal give one scope.
 *
 * Synchronous on purpose: a handful of `lstat`/`readlink` calls, and one
 * algorithm for both the lock and `journalScope`, so they always agree.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

// Linux gives up after 40 symlinks in one lookup (ELOOP); so do we.
const MAX_LINKS = 40;

function resolveReal(absolute: string, links: number): string {
  try {
    return realpathSync.native(absolute);
  } catch {
    // Missing (or unreadable): resolve what exists, below.
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  const directory = resolveReal(parent, links);
  const here = join(directory, basename(absolute));
  if (links < MAX_LINKS) {
    try {
      if (lstatSync(here).isSymbolicLink()) {
        // A dangling symlink: writing through it creates its target.
        return resolveReal(resolve(directory, readlinkSync(here)), links + 1);
      }
    } catch {
      // Nothing there: the journal will be created at `here`.
    }
  }
  return here;
}

/** The journal's absolute path with every symlink resolved, whether or not it exists yet. */
export function realJournalPath(path: string): string {
  return resolveReal(resolve(path), 0);
}

/** A scope from an already real path. */
export function scopeOfRealPath(realPath: string): string {
  return createHash('sha256').update(realPath).digest('hex').slice(0, 16);
}

/**
 * The scope of the file journal at `path`: the first 16 hex digits of the
 * SHA-256 of its real path. Processes a manager starts carry it (as
 * `XSTATE_OTP_SCOPE`), so reconciliation finds its own journal's processes
 * and never another journal's, whatever the session ids.
 */
export function journalScope(path: string): string {
  return scopeOfRealPath(realJournalPath(path));
}

/** A scope for a journal without a path (the memory journal): random, 16 hex digits. */
export function randomScope(): string {
  return randomBytes(8).toString('hex');
}
