/**
 * The file journal: JSON lines in one append-only file, fsynced with group
 * commit, guarded by a lock file.
 *
 * ```ts
 * const journal = createFileJournal('.xstate-otp/journal.jsonl');
 * const history = await journal.open();
 * await Promise.all(ids.map((id) => journal.append({ type: 'started', sessionId: id, at: Date.now() })));
 * journal.stats.syncs; // far fewer than ids.length: the appends shared fsyncs
 * await journal.close();
 * ```
 *
 * - `open()` creates missing directories, takes `<path>.lock` (see
 *   `lockFile.ts`), reads and validates every line (see `parse.ts`), repairs
 *   a torn last line by truncating it away (or adds the missing newline after
 *   a complete one), and keeps one file descriptor open in append mode.
 * - Group commit: the first `append` schedules a flush one microtask later,
 *   so a synchronous burst becomes one batch; while a batch's write+fsync is
 *   in flight further appends queue and go out together in the next one. One
 *   `write` and one `fdatasync` per batch; every append in it resolves after
 *   the fsync. File order = call order.
 * - A failed batch rejects every append in it with `JournalError` 'io'. The
 *   file is then cut back to its last durable length so that no partial line
 *   can glue onto the next record; if even that fails, the journal refuses
 *   further appends until it is closed and opened again (open repairs a torn
 *   tail).
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { JournalError } from '../errors.js';
import type { Journal, JournalRecord } from './journal.js';
import { acquireLock, type HeldLock } from './lockFile.js';
import { parseJournal } from './parse.js';
import { encodeRecord } from './records.js';

type FileHandle = Awaited<ReturnType<typeof open>>;

export interface FileJournalStats {
  /** Records made durable since creation. */
  appends: number;
  /** Write+fsync rounds attempted, failed ones included. */
  batches: number;
  /** Successful batch fsyncs. */
  syncs: number;
  largestBatch: number;
  bytesWritten: number;
  /** Bytes of a torn last line cut away by the latest `open()`. */
  repairedBytes: number;
  /** The latest `open()` added a missing final newline. */
  addedNewline: boolean;
}

export interface FileJournal extends Journal {
  /** The journal file, made absolute. */
  readonly path: string;
  readonly stats: Readonly<FileJournalStats>;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: JournalError) => void;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Makes a newly created file's directory entry durable too, not just its data. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms cannot open or fsync a directory; the entry then lands with the next metadata flush.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EACCES'].includes(errno(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

export function createFileJournal(journalPath: string): FileJournal {
  // Absolute from the start: a later chdir must not redirect appends or the lock release.
  const path = resolve(journalPath);
  const lockPath = `${path}.lock`;
  const stats: FileJournalStats = {
    appends: 0,
    batches: 0,
    syncs: 0,
    largestBatch: 0,
    bytesWritten: 0,
    repairedBytes: 0,
    addedNewline: false,
  };
  let state: 'closed' | 'opening' | 'open' | 'closing' = 'closed';
  let handle: FileHandle | undefined;
  let lock: HeldLock | undefined;
  /** Length of the file up to the last durable record: where a failed batch is cut back to. */
  let durableBytes = 0;
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let broken: JournalError | undefined;
  let opening: Promise<JournalRecord[]> | undefined;
  let closing: Promise<void> | undefined;

  const ioError = (text: string, cause?: unknown) =>
    new JournalError('io', text, cause === undefined ? { path } : { path, cause });

  async function load(): Promise<JournalRecord[]> {
    const data = await readIfExists(path);
    const parsed = parseJournal(data ?? new Uint8Array());
    if (!parsed.ok) {
      throw new JournalError(
        'corrupt',
        `Journal ${path} is corrupt at line ${parsed.line}: ${parsed.problem}. Only a torn last line is repaired automatically. Move the file aside (e.g. \`mv ${path} ${path}.corrupt\`) to start a fresh journal, or fix or delete line ${parsed.line} by hand.`,
        { path, line: parsed.line },
      );
    }
    handle = await open(path, 'a');
    if (data === undefined) await syncDirectory(dirname(path));
    const size = data?.length ?? 0;
    stats.repairedBytes = size - parsed.keepBytes;
    stats.addedNewline = parsed.addNewline;
    durableBytes = parsed.keepBytes;
    if (stats.repairedBytes > 0) await handle.truncate(parsed.keepBytes);
    if (parsed.addNewline) {
      await handle.write('\n');
      durableBytes += 1;
    }
    if (stats.repairedBytes > 0 || parsed.addNewline) await handle.sync();
    return parsed.records;
  }

  async function doOpen(): Promise<JournalRecord[]> {
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw ioError(`Cannot create the directory of journal ${path}: ${message(error)}`, error);
    }
    lock = await acquireLock(lockPath, path);
    try {
      const records = await load();
      state = 'open';
      return records;
    } catch (error) {
      await handle?.close().catch(() => {});
      handle = undefined;
      lock.release();
      lock = undefined;
      if (error instanceof JournalError) throw error;
      throw ioError(`Cannot open journal ${path}: ${message(error)}`, error);
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
  async function restore(fd: FileHandle, failure: JournalError): Promise<void> {
    try {
      await fd.truncate(durableBytes);
      await fd.sync();
    } catch (error) {
      broken = ioError(
        `Journal ${path} is unusable: a write failed (${message(failure.cause)}) and the file could not be cut back to its last record (${message(error)}). Close it and open it again.`,
        failure.cause,
      );
    }
  }

  async function commit(batch: Pending[]): Promise<void> {
    const fd = handle;
    if (broken || !fd) {
      const error = broken ?? ioError(`Journal ${path} is closed.`);
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
      const error = ioError(
        `Could not append ${batch.length} record(s) to journal ${path}: ${message(cause)}`,
        cause,
      );
      await restore(fd, error);
      for (const pending of batch) pending.reject(error);
      return;
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
    try {
      await fd?.close();
    } catch (error) {
      throw ioError(`Could not close journal ${path}: ${message(error)}`, error);
    } finally {
      lock?.release();
      lock = undefined;
      state = 'closed';
    }
  }

  return {
    path,
    stats,
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
      broken = undefined;
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
      if (broken) return Promise.reject(broken);
      let line: string;
      try {
        line = encodeRecord(record, path).line;
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ line, resolve, reject });
        flushing ??= Promise.resolve().then(flush);
      });
    },
    close() {
      closing ??= doClose();
      return closing;
    },
  };
}
