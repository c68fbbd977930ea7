/**
 * The file-system calls the file journal and its lock make, behind one seam,
 * and how their failures are put into words.
 *
 * ```ts
 * const fs = journalFs();                     // node:fs/promises
 * const full = journalFs({                    // a test's disk that is full
 *   writeFile: async () => { throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }); },
 * });
 * describeFsError(error);                     // 'ENOSPC: no space left on device' (no internal paths)
 * ```
 *
 * The seam exists for fault injection (`createFileJournal(path, {
 * __unsafe_fs })`): a full disk or a read-only file system can then be tested
 * without root. Everything is asynchronous except the lock's release on
 * process exit, which must be synchronous and so calls `node:fs` directly.
 */
import type { Stats } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { errorMessage } from '../ground/errorMessage.js';

export type FileHandle = nodeFs.FileHandle;

export interface JournalFs {
  /** `mkdir -p`. */
  mkdir(path: string): Promise<unknown>;
  open(path: string, flags: 'r' | 'a' | 'wx'): Promise<FileHandle>;
  readFile(path: string): Promise<Buffer>;
  /** Only ever called with `flag: 'wx'` (exclusive create). */
  writeFile(path: string, data: string, options: { flag: 'wx' }): Promise<void>;
  link(existingPath: string, newPath: string): Promise<void>;
  stat(path: string): Promise<Stats>;
  unlink(path: string): Promise<void>;
  rename(oldPath: string, newPath: string): Promise<void>;
}

const real: JournalFs = {
  mkdir: (path) => nodeFs.mkdir(path, { recursive: true }),
  open: (path, flags) => nodeFs.open(path, flags),
  readFile: (path) => nodeFs.readFile(path),
  writeFile: (path, data, options) => nodeFs.writeFile(path, data, options),
  link: (existingPath, newPath) => nodeFs.link(existingPath, newPath),
  stat: (path) => nodeFs.stat(path),
  unlink: (path) => nodeFs.unlink(path),
  rename: (oldPath, newPath) => nodeFs.rename(oldPath, newPath),
};

/** `node:fs/promises`, with any of its calls replaced by `overrides`. */
export function journalFs(overrides: Partial<JournalFs> = {}): JournalFs {
  return { ...real, ...overrides };
}

export function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * A file-system error without the path Node appends to its message
 * (`EROFS: read-only file system, open '/x/j.jsonl.lock.42-….tmp'` becomes
 * `EROFS: read-only file system`): the caller's sentence names the journal,
 * and internal temp files mean nothing to a reader.
 */
export function describeFsError(error: unknown): string {
  const message = errorMessage(error);
  const code = errno(error);
  if (code === undefined || !message.startsWith(`${code}: `)) return message;
  return message.replace(/, \w+ '.*$/s, '');
}
