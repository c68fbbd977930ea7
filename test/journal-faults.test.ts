/**
 * A journal on a full disk or a read-only file system: appends reject with
 * 'io' and fail the journal, no lock temp file is left behind, and errors
 * name the journal rather than an internal file. Once through the
 * `__unsafe_fs` fault seam (no root needed), once on a real 64 KiB tmpfs
 * (needs root to mount it; skipped with a message where that is refused).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFileJournal,
  type FileJournal,
  type FileJournalOptions,
  type JournalRecord,
} from '../src/journal/index.js';
import { rejection } from './helpers/journal.js';
import { mountTmpfs } from './helpers/tmpfs.js';

type JournalFsOverrides = NonNullable<FileJournalOptions['__unsafe_fs']>;
type FileHandle = Awaited<ReturnType<NonNullable<JournalFsOverrides['open']>>>;

const rec = (sessionId: string, extra: Record<string, unknown> = {}): JournalRecord => ({
  type: 'started',
  sessionId,
  at: 1,
  ...extra,
});

/** An error shaped like Node's own, path appended to the message. */
function fsError(code: 'ENOSPC' | 'EROFS', syscall: string, path: string): NodeJS.ErrnoException {
  const text = code === 'ENOSPC' ? 'no space left on device' : 'read-only file system';
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), {
    code,
    syscall,
    path,
  });
}

/** `handle` with some methods replaced; the rest still work on the real file. */
function faultyHandle(handle: FileHandle, replaced: Partial<FileHandle>): FileHandle {
  return new Proxy(handle, {
    get(target, key) {
      if (key in replaced) return replaced[key as keyof FileHandle];
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const leftovers = (directory: string) =>
  readdirSync(directory).filter((name) => /\.tmp$|\.lock|\.torn-|\.stale$/.test(name));

describe('injected faults (no root needed)', () => {
  let dir: string;
  let path: string;
  const opened: FileJournal[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'journal-faults-'));
    path = join(dir, 'j.jsonl');
  });
  afterEach(async () => {
    for (const journal of opened.splice(0)) await journal.close();
    await rm(dir, { recursive: true, force: true });
  });
  const journal = (fs: JournalFsOverrides) => {
    const created = createFileJournal(path, { __unsafe_fs: fs });
    opened.push(created);
    return created;
  };

  it('a full disk while taking the lock: io naming the journal, no temp file left', async () => {
    const error = await rejection(
      journal({
        // Like a real full disk: the file is created, its data does not fit.
        writeFile: async (file, _data, options) => {
          await writeFile(file, '', options);
          throw fsError('ENOSPC', 'write', file);
        },
      }).open(),
    );
    expect(error.code).toBe('io');
    expect(error.path).toBe(path);
    expect(error.message).toContain(`journal ${path}`);
    expect(error.message).toContain('ENOSPC: no space left on device');
    expect(error.message).not.toContain('.tmp');
    expect(leftovers(dir)).toEqual([]);
  });

  it('a full disk without hard links: the half-made lock is removed too', async () => {
    const error = await rejection(
      journal({
        link: async () => {
          throw Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
        },
        open: async (file, flags) => {
          const { open } = await import('node:fs/promises');
          const handle = await open(file, flags);
          if (flags !== 'wx') return handle;
          return faultyHandle(handle, {
            writeFile: async () => {
              throw fsError('ENOSPC', 'write', file);
            },
          });
        },
      }).open(),
    );
    expect(error.code).toBe('io');
    expect(leftovers(dir)).toEqual([]);
  });

  it('a read-only file system: the error names the journal, not a temp file', async () => {
    const error = await rejection(
      journal({
        writeFile: async (file) => {
          throw fsError('EROFS', 'open', file);
        },
      }).open(),
    );
    expect(error.code).toBe('io');
    expect(error.message).toContain(`journal ${path}`);
    expect(error.message).toContain('EROFS: read-only file system');
    expect(error.message).not.toContain('.tmp');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EROFS');
  });

  it('a full disk while appending: io, the journal fails, nothing partial stays', async () => {
    let full = false;
    const j = journal({
      open: async (file, flags) => {
        const { open } = await import('node:fs/promises');
        const handle = await open(file, flags);
        if (flags !== 'a') return handle;
        return faultyHandle(handle, {
          write: (async (...args: Parameters<FileHandle['write']>) => {
            if (!full) return (handle.write as any)(...args);
            // Half the batch lands, then the disk is full.
            const [data, offset, length] = args as unknown as [Buffer, number, number];
            await handle.write(data, offset, Math.floor(length / 2));
            throw fsError('ENOSPC', 'write', file);
          }) as FileHandle['write'],
        });
      },
    });
    await j.open();
    await j.append(rec('kept'));
    const before = readFileSync(path, 'utf8');
    full = true;
    const lost = await Promise.allSettled([j.append(rec('lost-1')), j.append(rec('lost-2'))]);
    for (const result of lost) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'io', path });
    }
    expect(j.failure?.code).toBe('io');
    expect(j.failure?.message).toContain('ENOSPC');
    expect(readFileSync(path, 'utf8')).toBe(before);
    full = false; // space again: the journal still refuses until reopened
    expect(await rejection(j.append(rec('after')))).toBe(j.failure);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(leftovers(dir)).toEqual(['j.jsonl.lock']);
    await j.close();
    expect(leftovers(dir)).toEqual([]);
  });

  it('a torn tail that cannot be set aside: open fails, the journal stays as it was', async () => {
    const content = `${JSON.stringify(rec('a'))}\n{"type":"sta`;
    await writeFile(path, content);
    const error = await rejection(
      journal({
        open: async (file, flags) => {
          const { open } = await import('node:fs/promises');
          const handle = await open(file, flags);
          if (!file.includes('.torn-')) return handle;
          return faultyHandle(handle, {
            writeFile: async () => {
              throw fsError('ENOSPC', 'write', file);
            },
          });
        },
      }).open(),
    );
    expect(error.code).toBe('io');
    expect(error.message).toMatch(/torn last line \(12 bytes\) could not be set aside/);
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(leftovers(dir)).toEqual([]);
  });
});

// --- A real small file system -------------------------------------------------

const disk = mountTmpfs('journalFaults', 64 * 1024);
afterAll(() => disk.unmount());

describe.runIf(disk.mounted)('a real 64 KiB tmpfs', () => {
  let dir: string;
  let path: string;
  const opened: FileJournal[] = [];

  beforeEach(async () => {
    dir = join(disk.path, `case-${Math.random().toString(36).slice(2)}`);
    await mkdir(dir);
    path = join(dir, 'j.jsonl');
  });
  afterEach(async () => {
    for (const journal of opened.splice(0)) await journal.close();
    disk.free();
    disk.readOnly(false);
    await rm(dir, { recursive: true, force: true });
  });
  const journal = () => {
    const created = createFileJournal(path);
    opened.push(created);
    return created;
  };

  it('opening on a full disk: io naming the journal, no temp file left; it opens once there is room', async () => {
    disk.fill();
    const error = await rejection(journal().open());
    expect(error.code).toBe('io');
    expect(error.message).toContain(`journal ${path}`);
    expect(error.message).toContain('ENOSPC');
    expect(error.message).not.toContain('.tmp');
    expect(leftovers(dir)).toEqual([]);
    disk.free();
    expect(await journal().open()).toEqual([]);
  });

  it('appending on a full disk: io, the journal fails, the file keeps its records only', async () => {
    const j = journal();
    await j.open();
    await j.append(rec('kept'));
    const before = readFileSync(path, 'utf8');
    disk.fill();
    // Larger than the free part of the journal's last page: it needs a new block.
    const error = await rejection(j.append(rec('big', { pad: 'x'.repeat(8192) })));
    expect(error.code).toBe('io');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(j.failure).toBe(error);
    expect(await rejection(j.append(rec('small')))).toBe(error);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(leftovers(dir)).toEqual(['j.jsonl.lock']);
    await j.close();
    disk.free();
    const again = journal();
    expect(await again.open()).toEqual([rec('kept')]);
  });

  it('a read-only file system: io naming the journal, not a temp file', async () => {
    const j = journal();
    await j.open();
    await j.append(rec('kept'));
    await j.close();
    disk.readOnly(true);
    const error = await rejection(journal().open());
    expect(error.code).toBe('io');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EROFS');
    expect(error.message).toContain(`journal ${path}`);
    expect(error.message).not.toContain('.tmp');
    expect(leftovers(dir)).toEqual([]);
  });
});
