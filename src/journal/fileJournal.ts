/**
 * The file journal: JSON lines in one append-only file, fsynced with group
 * commit, guarded by a lock file.
 *
 * ```ts
 * const journal = createFileJournal('.xstate-otp/journal.jsonl');
 * const history = await journal.open();
 * journal.stats.tornPath; // set when open() moved a torn last line aside
 * await Promise.all(ids.map((id) => journal.append({ type: 'started', sessionId: id, at: Date.now() })));
 * journal.stats.syncs; // far fewer than ids.length: the appends shared fsyncs
 * journal.failure;     // undefined while every write has succeeded
 * await journal.close();
 * ```
 *
 * - `open()` creates missing directories, resolves the journal's real path
 *   (see `realPath.ts`), refuses anything but a regular file, takes
 *   `<real path>.lock` (see `lockFile.ts`), then reads and validates every
 *   line (see `parse.ts`). A file that is not a journal, or has a bad line,
 *   is refused untouched. A torn last line (no trailing newline) is moved to
 *   `<journal>.torn-<time>` and named in `stats.tornPath` (see
 *   `journalFile.ts`). One file descriptor then stays open in append mode.
 * - `readSession(id)` reads one session's records by offset: `open()`
 *   notes where every record's line is, and each durable append adds its
 *   own (see `recordIndex.ts`), so a retired session's records, or a
 *   dashboard's view of one session, cost a few reads however large the
 *   journal has grown, never a parse of the whole file. Once closed (when
 *   another process may hold it), it reads the whole file instead.
 * - Group commit: the first `append` schedules a flush one microtask later,
 *   so a synchronous burst becomes one batch; while a batch's write+fsync is
 *   in flight further appends queue and go out together in the next one. One
 *   `write` and one `fdatasync` per batch; every append in it resolves after
 *   the fsync. File order = call order.
 * - A failed batch (a full disk, an I/O error) rejects every append in it
 *   with `JournalError` 'io', and the journal is failed from then on:
 *   `failure` holds that error and every later append rejects with it,
 *   until the journal is closed and opened again. A caller that was told a
 *   record was lost must not be told later ones were kept while the cause
 *   may persist. The file is cut back to its last durable record so that no
 *   partial line glues onto the next one; if even that fails, the next
 *   `open()` finds a torn tail and sets it aside.
 */
import { dirname, resolve } from 'node:path';
import { JournalError } from '../ground/errors.js';
import type { Journal, JournalRecord } from './journal.js';
import { checkRegularFile, prepareJournalFile } from './journalFile.js';
import { describeFsError, type FileHandle, type JournalFs, journalFs } from './journalFs.js';
import { acquireLock, type HeldLock } from './lockFile.js';
import { readJournal } from './readJournal.js';
import { realJournalPath, scopeOfRealPath } from './realPath.js';
import { RecordIndex, readSpans } from './recordIndex.js';
import { encodeRecord } from './records.js';

export interface FileJournalStats {
  /** Records made durable since creation. */
  appends: number;
  /** Write+fsync rounds attempted, failed ones included. */
  batches: number;
  /** Successful batch fsyncs. */
  syncs: number;
  largestBatch: number;
  bytesWritten: number;
  /** Bytes of a torn last line the latest `open()` moved aside (0: none). */
  repairedBytes: number;
  /** Where the latest `open()` moved a torn last line: `<journal>.torn-<time>`. */
  tornPath: string | undefined;
  /** The latest `open()` added a missing final newline. */
  addedNewline: boolean;
}

export interface FileJournal extends Journal {
  /** The journal file, made absolute (as spelled; `realPath` resolves symlinks). */
  readonly path: string;
  /** The path the lock and the data use, every symlink resolved; fixed by `open()`. */
  readonly realPath: string;
  /** `journalScope` of the real path: the marker value of this journal's processes. */
  readonly scope: string;
  readonly stats: Readonly<FileJournalStats>;
  /** The error of the first failed append since `open()`; every later append rejects with it. */
  readonly failure: JournalError | undefined;
  readSession(sessionId: string): Promise<JournalRecord[]>;
}

export interface FileJournalOptions {
  /**
   * Replaces file-system calls, for fault injection in tests (a full disk, a
   * read-only file system). Not a stable API.
   */
  __unsafe_fs?: Partial<JournalFs>;
}

interface Pending {
  sessionId: string;
  line: string;
  resolve: () => void;
  reject: (error: JournalError) => void;
}

export function createFileJournal(
  journalPath: string,
  options: FileJournalOptions = {},
): FileJournal {
  // Absolute from the start: a later chdir must not redirect appends or the lock release.
  const path = resolve(journalPath);
  const fs = journalFs(options.__unsafe_fs);
  let realPath: string | undefined;
  const stats: FileJournalStats = {
    appends: 0,
    batches: 0,
    syncs: 0,
    largestBatch: 0,
    bytesWritten: 0,
    repairedBytes: 0,
    tornPath: undefined,
    addedNewline: false,
  };
  let state: 'closed' | 'opening' | 'open' | 'closing' = 'closed';
  let handle: FileHandle | undefined;
  let lock: HeldLock | undefined;
  /** Length of the file up to the last durable record: where a failed batch is cut back to. */
  let durableBytes = 0;
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let failure: JournalError | undefined;
  let opening: Promise<JournalRecord[]> | undefined;
  let closing: Promise<void> | undefined;
  const index = new RecordIndex();
  /** A second descriptor for `readSession`: the append one is write-only. */
  let reader: Promise<FileHandle> | undefined;

  const ioError = (text: string, cause?: unknown) =>
    new JournalError('io', text, cause === undefined ? { path } : { path, cause });

  async function doOpen(): Promise<JournalRecord[]> {
    try {
      await fs.mkdir(dirname(path));
    } catch (error) {
      throw ioError(
        `Cannot create the directory of journal ${path}: ${describeFsError(error)}.`,
        error,
      );
    }
    const real = realJournalPath(path);
    realPath = real;
    await checkRegularFile(fs, real, path);
    lock = await acquireLock(`${real}.lock`, path, fs);
    try {
      const prepared = await prepareJournalFile(fs, real, path);
      handle = prepared.handle;
      durableBytes = prepared.durableBytes;
      index.clear();
      const { records, spans } = prepared;
      for (let i = 0; i < records.length; i++) {
        index.add(records[i]!.sessionId, spans[2 * i]!, spans[2 * i + 1]!);
      }
      stats.repairedBytes = prepared.tornBytes;
      stats.tornPath = prepared.tornPath;
      stats.addedNewline = prepared.addedNewline;
      state = 'open';
      return prepared.records;
    } catch (error) {
      lock.release();
      lock = undefined;
      if (error instanceof JournalError) throw error;
      throw ioError(`Cannot open journal ${path}: ${describeFsError(error)}.`, error);
    }
  }

  async function writeAll(fd: FileHandle, data: Buffer): Promise<void> {
    for (let offset = 0; offset < data.length; ) {
      const { bytesWritten } = await fd.write(data, offset, data.length - offset);
      if (bytesWritten <= 0) throw new Error('write made no progress');
      offset += bytesWritten;
    }
  }

  /** After a failed batch: cut any partial bytes so the file ends on a record boundary. */
  async function cutBack(fd: FileHandle): Promise<void> {
    try {
      await fd.truncate(durableBytes);
      await fd.sync();
    } catch {
      // The next open() finds the fragment as a torn last line and sets it aside.
    }
  }

  async function commit(batch: Pending[]): Promise<void> {
    const fd = handle;
    if (failure || !fd) {
      const error = failure ?? ioError(`Journal ${path} is closed.`);
      for (const pending of batch) pending.reject(error);
      return;
    }
    stats.batches += 1;
    stats.largestBatch = Math.max(stats.largestBatch, batch.length);
    let data: Buffer;
    try {
      data = Buffer.from(batch.map((pending) => pending.line).join(''), 'utf8');
      await writeAll(fd, data);
      await fd.datasync();
    } catch (cause) {
      failure = ioError(
        `Could not append ${batch.length} record(s) to journal ${path}: ${describeFsError(cause)}. The records were not stored, and the journal accepts no more appends: close it and open it again once the cause is fixed.`,
        cause,
      );
      await cutBack(fd);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    let at = durableBytes;
    for (const pending of batch) {
      const length = Buffer.byteLength(pending.line);
      index.add(pending.sessionId, at, length);
      at += length;
    }
    durableBytes += data.length;
    stats.syncs += 1;
    stats.appends += batch.length;
    stats.bytesWritten += data.length;
    for (const pending of batch) pending.resolve();
  }

  async function flush(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        await commit(batch);
      }
    } finally {
      flushing = undefined;
    }
  }

  async function doClose(): Promise<void> {
    await opening?.catch(() => {});
    if (state !== 'open') return;
    state = 'closing';
    await flushing;
    const fd = handle;
    handle = undefined;
    const read = reader;
    reader = undefined;
    index.clear();
    try {
      await read?.then((r) => r.close()).catch(() => {});
      await fd?.close();
    } catch (error) {
      throw ioError(`Could not close journal ${path}: ${describeFsError(error)}.`, error);
    } finally {
      lock?.release();
      lock = undefined;
      state = 'closed';
    }
  }

  return {
    path,
    stats,
    get realPath() {
      realPath ??= realJournalPath(path);
      return realPath;
    },
    get scope() {
      return scopeOfRealPath(this.realPath);
    },
    get failure() {
      return failure;
    },
    open() {
      if (state !== 'closed') {
        return Promise.reject(
          new JournalError(
            'locked',
            `Journal ${path} is already ${state === 'closing' ? 'closing' : 'open'} through this object; open() it once, or close() it before opening again.`,
            { path },
          ),
        );
      }
      state = 'opening';
      failure = undefined;
      closing = undefined;
      opening = doOpen().catch((error: unknown) => {
        state = 'closed';
        throw error;
      });
      return opening;
    },
    append(record) {
      if (state !== 'open') {
        const what = state === 'opening' ? 'not open yet (await open() first)' : 'closed';
        return Promise.reject(ioError(`Cannot append to journal ${path}: it is ${what}.`));
      }
      if (failure) return Promise.reject(failure);
      let encoded: ReturnType<typeof encodeRecord>;
      try {
        encoded = encodeRecord(record, path);
      } catch (error) {
        return Promise.reject(error);
      }
      const { line, record: stored } = encoded;
      return new Promise<void>((resolve, reject) => {
        queue.push({ sessionId: stored.sessionId, line, resolve, reject });
        flushing ??= Promise.resolve().then(flush);
      });
    },
    async readSession(sessionId) {
      if (state !== 'open' || realPath === undefined) {
        // Closed, another process may write it now: the index may not hold, the file does.
        const { records } = await readJournal(path, options);
        return records.filter((record) => record.sessionId === sessionId);
      }
      const spans = index.spans(sessionId);
      if (spans.length === 0) return [];
      try {
        reader ??= fs.open(realPath, 'r');
        return await readSpans(await reader, spans);
      } catch (error) {
        reader = undefined;
        throw ioError(
          `Cannot read session "${sessionId}" from journal ${path}: ${describeFsError(error)}.`,
          error,
        );
      }
    },
    close() {
      closing ??= doClose();
      return closing;
    },
  };
}
