/**
 * Reading a journal file while someone else may be writing it: never the
 * lock, never a write, and only the new bytes on each `refresh()`.
 *
 * ```ts
 * const reader = createJournalReader('.xstate-otp/journal.jsonl');
 * const { changed } = await reader.refresh();   // ids with new records (all of them the first time)
 * await reader.records('fix-42');               // that session's records, in append order, read by offset
 * reader.summary('fix-42');                     // its `replayJournal` summary
 * await reader.holder();                        // { pid } while a live process holds the lock
 * ```
 *
 * Lines are parsed with the journal's own rules (`parseJournal`), complete
 * lines only: a last line without its newline is read next time, once its
 * writer has finished it (or never, if it is a torn tail the next `open()`
 * moves aside). Any bad complete line stops the reader with a `JournalError`
 * `corrupt` naming the line. A file that shrank or was replaced is read
 * again from the start (`reset: true`). The whole-file counterpart is the
 * journal's own `readJournal`; this one pays only for what is new.
 *
 * No record stays in memory: the reader keeps each session's summary and
 * where its lines are (`RecordIndex`), and `records(id)` reads just those
 * lines, so a session page costs the same on a 20 MB journal as on a small one.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { JournalError } from '../ground/errors.js';
import {
  JournalFold,
  type JournalRecord,
  RecordIndex,
  readSpans,
  realJournalPath,
  type SessionSummary,
} from '../journal/index.js';
import { readLockHolder } from '../journal/lockFile.js';
import { corruptJournalError, parseJournal } from '../journal/parse.js';

export interface JournalReader {
  readonly path: string;
  /** Reads what was appended since the last call. Rejects with `JournalError` (`io`, `corrupt`). */
  refresh(): Promise<{ changed: Set<string>; reset: boolean }>;
  /** Session ids in first-seen order. */
  ids(): IterableIterator<string>;
  /** The session's records from the `from`-th on (default all). Rejects with `JournalError` 'io'. */
  records(sessionId: string, from?: number): Promise<JournalRecord[]>;
  /** How many records the session has. */
  count(sessionId: string): number;
  summary(sessionId: string): SessionSummary | undefined;
  /** The live process holding the journal's lock, if any (`<journal>.lock` names its pid). */
  holder(): Promise<{ pid: number } | undefined>;
}

const errno = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

export function createJournalReader(path: string): JournalReader {
  const absolute = resolve(path);
  // The file (and its lock) behind any symlink, as the journal itself resolves it.
  const real = realJournalPath(absolute);
  let offset = 0;
  let inode: number | undefined;
  let lineNumber = 0;
  let index = new RecordIndex();
  let fold = new JournalFold();
  let reading: Promise<{ changed: Set<string>; reset: boolean }> | undefined;

  const ioError = (error: unknown) =>
    new JournalError('io', `Cannot read the journal ${absolute}: ${(error as Error).message}`, {
      path: absolute,
      cause: error,
    });

  const readNew = async (): Promise<{ changed: Set<string>; reset: boolean }> => {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(real, 'r');
    } catch (error) {
      if (errno(error) === 'ENOENT') {
        throw new JournalError('io', `No journal at ${absolute}.`, { path: absolute });
      }
      throw ioError(error);
    }
    try {
      const stat = await handle.stat();
      let reset = false;
      if (inode !== undefined && (stat.ino !== inode || stat.size < offset)) {
        reset = true;
        offset = 0;
        lineNumber = 0;
        index = new RecordIndex();
        fold = new JournalFold();
      }
      inode = stat.ino;
      if (stat.size <= offset) return { changed: new Set(), reset };
      const data = Buffer.alloc(stat.size - offset);
      const { bytesRead } = await handle.read(data, 0, data.length, offset);
      // Only complete lines: the rest is being written.
      const complete = data.subarray(0, data.lastIndexOf(0x0a, bytesRead - 1) + 1);
      const parsed = parseJournal(complete);
      if (!parsed.ok) {
        throw corruptJournalError(absolute, { ...parsed, line: lineNumber + parsed.line });
      }
      const kept = complete.subarray(0, parsed.keepBytes);
      for (let i = kept.indexOf(0x0a); i !== -1; i = kept.indexOf(0x0a, i + 1)) lineNumber += 1;
      const changed = new Set<string>();
      const { records, spans } = parsed;
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        index.add(record.sessionId, offset + spans[2 * i]!, spans[2 * i + 1]!);
        fold.add(record);
        changed.add(record.sessionId);
      }
      offset += parsed.keepBytes;
      return { changed, reset };
    } catch (error) {
      throw error instanceof JournalError ? error : ioError(error);
    } finally {
      await handle.close();
    }
  };

  return {
    path: absolute,
    refresh() {
      // One read at a time: two at once would both read from the same offset.
      reading ??= readNew().finally(() => {
        reading = undefined;
      });
      return reading;
    },
    ids: () => index.ids(),
    count: (sessionId) => index.spans(sessionId).length / 2,
    async records(sessionId, from = 0) {
      const spans = index.spans(sessionId).slice(2 * from);
      if (spans.length === 0) return [];
      let handle: Awaited<ReturnType<typeof open>> | undefined;
      try {
        handle = await open(real, 'r');
        return await readSpans(handle, spans);
      } catch (error) {
        throw ioError(error);
      } finally {
        await handle?.close();
      }
    },
    summary: (sessionId) => fold.summary(sessionId),
    async holder() {
      try {
        const holder = await readLockHolder(`${real}.lock`);
        return holder?.live ? { pid: holder.pid } : undefined;
      } catch {
        // An unreadable lock file names no holder; the records still stand.
        return undefined;
      }
    },
  };
}
