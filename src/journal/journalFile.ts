/**
 * Reading a journal file and making it ready for appends: what the file
 * journal's `open()` does once it holds the lock, and the checks the
 * read-only reader shares with it.
 *
 * ```ts
 * await checkRegularFile(fs, realPath, path);        // a FIFO or /dev/null is refused: 'io'
 * const opened = await prepareJournalFile(fs, realPath, path);
 * opened.records;     // the history
 * opened.tornPath;    // where a torn last line was moved, if there was one
 * await opened.handle.write(line);                    // append mode, on a record boundary
 * ```
 *
 * Nothing is changed unless the file parses (see `parse.ts`): a corrupt file
 * is refused untouched. A torn last line is first copied, durably, to
 * `<journal>.torn-<time>` next to the journal, and only then cut from it, so
 * a crash in between leaves it in both places rather than in neither.
 */
import { dirname } from 'node:path';
import { JournalError } from '../ground/errors.js';
import type { JournalRecord } from './journal.js';
import { describeFsError, errno, type FileHandle, type JournalFs } from './journalFs.js';
import { corruptJournalError, parseJournal } from './parse.js';

export interface PreparedJournalFile {
  handle: FileHandle;
  records: JournalRecord[];
  /** Each record's line: start, length pairs (see `RecordIndex`). */
  spans: number[];
  /** File length up to the last record, newline included. */
  durableBytes: number;
  /** Bytes of a torn last line moved aside (0: none). */
  tornBytes: number;
  tornPath: string | undefined;
  addedNewline: boolean;
}

/** Refuses anything but a regular file (or nothing yet) at `realPath`, before a byte is written. */
export async function checkRegularFile(fs: JournalFs, realPath: string, path: string) {
  let kind: string | undefined;
  try {
    const stats = await fs.stat(realPath);
    if (stats.isFile()) return;
    kind = stats.isDirectory() ? 'a directory' : 'not a regular file';
  } catch (error) {
    if (errno(error) === 'ENOENT') return;
    throw new JournalError('io', `Cannot open journal ${path}: ${describeFsError(error)}.`, {
      path,
      cause: error,
    });
  }
  throw new JournalError(
    'io',
    `Cannot use ${path} as a journal: it is ${kind}${realPath === path ? '' : ` (${realPath})`}. A journal is a regular file; give a file path.`,
    {
      path,
      cause: Object.assign(new Error(kind), { code: kind === 'a directory' ? 'EISDIR' : 'EINVAL' }),
    },
  );
}

export async function readIfExists(fs: JournalFs, path: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Makes a newly created file's directory entry durable too, not just its data. */
export async function syncDirectory(fs: JournalFs, dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms cannot open or fsync a directory; the entry then lands with the next metadata flush.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EACCES'].includes(errno(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes `bytes` durably to a new `<journal>.torn-<time>[-n]`; returns its path. */
async function moveAside(fs: JournalFs, realPath: string, bytes: Uint8Array): Promise<string> {
  const stamp = new Date().toISOString().replaceAll(':', '-');
  for (let n = 0; ; n++) {
    const target = `${realPath}.torn-${stamp}${n === 0 ? '' : `-${n}`}`;
    let handle: FileHandle;
    try {
      handle = await fs.open(target, 'wx');
    } catch (error) {
      if (errno(error) === 'EEXIST' && n < 100) continue;
      throw error;
    }
    try {
      await handle.writeFile(bytes);
      await handle.sync();
      await handle.close();
    } catch (error) {
      await handle.close().catch(() => {});
      await fs.unlink(target).catch(() => {});
      throw error;
    }
    await syncDirectory(fs, dirname(realPath));
    return target;
  }
}

/**
 * Reads and validates the journal at `realPath` (we hold its lock), sets a
 * torn last line aside, adds a missing final newline, and opens it for
 * appending. Rejects with `JournalError` 'corrupt' (file untouched) or 'io'.
 */
export async function prepareJournalFile(
  fs: JournalFs,
  realPath: string,
  path: string,
): Promise<PreparedJournalFile> {
  const data = await readIfExists(fs, realPath);
  const parsed = parseJournal(data ?? new Uint8Array());
  if (!parsed.ok) throw corruptJournalError(path, parsed);
  let tornPath: string | undefined;
  if (parsed.tornBytes > 0) {
    try {
      tornPath = await moveAside(fs, realPath, data!.subarray(parsed.keepBytes));
    } catch (error) {
      throw new JournalError(
        'io',
        `Cannot open journal ${path}: its torn last line (${parsed.tornBytes} bytes) could not be set aside to ${realPath}.torn-… (${describeFsError(error)}); the journal was left as it is.`,
        { path, cause: error },
      );
    }
  }
  const handle = await fs.open(realPath, 'a');
  try {
    if (data === undefined) await syncDirectory(fs, dirname(realPath));
    let durableBytes = parsed.keepBytes;
    if (tornPath !== undefined) await handle.truncate(parsed.keepBytes);
    if (parsed.addNewline) {
      await handle.write('\n');
      durableBytes += 1;
    }
    if (tornPath !== undefined || parsed.addNewline) await handle.sync();
    return {
      handle,
      records: parsed.records,
      spans: parsed.spans,
      durableBytes,
      tornBytes: parsed.tornBytes,
      tornPath,
      addedNewline: parsed.addNewline,
    };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}
