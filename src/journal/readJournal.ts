/**
 * Reading a file journal without opening it: its records, its torn tail and
 * who holds it, safe while a host is writing to it.
 *
 * ```ts
 * const reading = await readJournal('.xstate-otp/journal.jsonl');
 * replayJournal(reading.records).sessions;  // what the journal says happened
 * reading.holder;   // { pid: 4242, live: true } while a host has it open
 * reading.torn;     // { bytes: 31 }: a torn last line, which the next open() sets aside
 * ```
 *
 * It never takes the lock and never writes: not the journal, not the lock,
 * not a torn file. It applies the journal's own parsing rules (`parse.ts`),
 * so what it accepts the next `open()` accepts, and what it calls corrupt
 * `open()` refuses. Rejects with `JournalError`: 'corrupt' with the line;
 * 'io' when there is no journal at `path` (`cause.code` 'ENOENT'), when it
 * is a directory ('EISDIR') or another non-file, or cannot be read.
 *
 * A host appends while this reads, so the last line may be one caught
 * mid-write: it is reported as `torn`, exactly as a crash would leave it.
 */
import { resolve } from 'node:path';
import { JournalError } from '../ground/errors.js';
import type { JournalRecord } from './journal.js';
import { checkRegularFile } from './journalFile.js';
import { describeFsError, errno, type JournalFs, journalFs } from './journalFs.js';
import { type LockHolder, readLockHolder } from './lockFile.js';
import { corruptJournalError, parseJournal } from './parse.js';
import { realJournalPath } from './realPath.js';

export interface JournalReading {
  /** The journal, made absolute as spelled. */
  path: string;
  /** The same, every symlink resolved: the file that was read. */
  realPath: string;
  records: JournalRecord[];
  /** A torn last line (no trailing newline), not part of `records`. */
  torn?: { bytes: number };
  /** The process named in the journal's lock file, if there is one. */
  holder?: LockHolder;
}

export async function readJournal(
  journalPath: string,
  options: { __unsafe_fs?: Partial<JournalFs> } = {},
): Promise<JournalReading> {
  const fs = journalFs(options.__unsafe_fs);
  const path = resolve(journalPath);
  const realPath = realJournalPath(path);
  await checkRegularFile(fs, realPath, path);
  let data: Buffer;
  try {
    data = await fs.readFile(realPath);
  } catch (error) {
    const missing = errno(error) === 'ENOENT';
    throw new JournalError(
      'io',
      missing
        ? `No journal at ${path}.`
        : `Cannot read journal ${path}: ${describeFsError(error)}.`,
      { path, cause: error },
    );
  }
  const parsed = parseJournal(data);
  if (!parsed.ok) throw corruptJournalError(path, parsed);
  let holder: LockHolder | undefined;
  try {
    holder = await readLockHolder(`${realPath}.lock`, fs);
  } catch {
    // An unreadable lock file says nothing about a holder; the records still stand.
  }
  return {
    path,
    realPath,
    records: parsed.records,
    ...(parsed.tornBytes > 0 ? { torn: { bytes: parsed.tornBytes } } : {}),
    ...(holder ? { holder } : {}),
  };
}
