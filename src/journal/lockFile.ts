/**
 * The journal's single-holder lock: a file `<journal>.lock` holding the
 * owner's pid. This module owns that format: the read-only reader asks it
 * who holds a journal (`readLockHolder`) rather than parsing the file itself.
 *
 * ```ts
 * const lock = await acquireLock(`${realPath}.lock`, path); // JournalError 'locked' if held
 * try { await work(); } finally { lock.release(); }
 * await readLockHolder(`${realPath}.lock`);                 // { pid: 4242, live: true } or undefined
 * ```
 *
 * - Taken on the journal's real path (see `realPath.ts`): a symlink, a
 *   symlinked directory or a `./` spelling of the same journal finds the
 *   same lock, in this process and in any other.
 * - Created atomically with its content: the pid goes into a private temp
 *   file that is then hard-linked to the lock path (`link` fails if the path
 *   exists). A reader therefore never sees a half-written lock, so an empty or
 *   garbage lock really is debris. Filesystems without hard links fall back
 *   to an exclusive create ('wx') and write; there, a lock caught between
 *   its creation and its write looks empty, hence stale.
 * - Held while its pid is alive (`kill(pid, 0)` succeeds or fails with EPERM),
 *   including by this very process: a second open in-process is refused too.
 *   A lock bearing our own pid that no journal in this process created is a
 *   leftover of an earlier process that had the same pid (common in
 *   containers, where the host is often pid 1 after every restart): stale.
 * - Stale when the pid is dead or the content is not a pid: it is taken over.
 *   A stale lock is only ever removed under a short-lived guard,
 *   `<journal>.lock.break` (created the same way, holding the breaker's pid),
 *   after checking again that the lock is still the very file judged stale
 *   (same inode and content). So racing takeovers cannot remove each other's
 *   fresh locks: exactly one racer's `link` succeeds, the others then find it
 *   alive. Racers wait for a live guard holder with a short backoff; a guard
 *   left by a process that died mid-takeover is itself stale and removed.
 * - A lock that cannot be created (a full disk, a read-only file system)
 *   leaves no temp file behind, and the error names the journal, not a temp
 *   file.
 * - Released by `release()` and, synchronously, when the process exits
 *   normally. A process killed by a signal leaves its lock behind; the next
 *   opener finds the pid dead and takes it over. A recycled pid keeps a stale
 *   lock looking held: the error message says how to clear it by hand.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { JournalError } from '../ground/errors.js';
import { describeFsError, errno, type JournalFs, journalFs } from './journalFs.js';

export interface HeldLock {
  readonly path: string;
  /** Remove the lock file if it is still ours. Synchronous so it can run on 'exit'; idempotent. */
  release(): void;
}

const MAX_ATTEMPTS = 20;
const held = new Set<HeldLock>();
/** Lock and guard files this process has linked into place and not yet released, by path. */
const linkedHere = new Map<string, number>();

function countLinked(path: string, delta: number): void {
  const key = resolve(path);
  const count = (linkedHere.get(key) ?? 0) + delta;
  if (count > 0) linkedHere.set(key, count);
  else linkedHere.delete(key);
}

/** Whether the process named in a lock or guard file at `path` still holds it. */
function ownerAlive(path: string, pid: number | undefined): boolean {
  if (pid === undefined) return false;
  if (pid === process.pid) return (linkedHere.get(resolve(path)) ?? 0) > 0;
  return isProcessAlive(pid);
}
let exitHookInstalled = false;

function ioError(journalPath: string, lockPath: string, cause: unknown): JournalError {
  return new JournalError(
    'io',
    `Cannot open journal ${journalPath}: its lock ${lockPath} cannot be taken (${describeFsError(cause)}).`,
    { path: journalPath, cause },
  );
}

/** The pid in a lock file's content, or undefined for empty/garbage content. */
export function parseLockPid(content: string): number | undefined {
  const match = /^\s*(\d+)\s*$/.exec(content);
  const pid = match ? Number(match[1]) : Number.NaN;
  // process.kill needs an int32 pid; 0 and negatives would signal process groups.
  return Number.isInteger(pid) && pid > 0 && pid <= 0x7fffffff ? pid : undefined;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else. Only ESRCH proves it is gone.
    return errno(error) !== 'ESRCH';
  }
}

interface LockFileState {
  content: string;
  ino: number;
}

async function readLockFile(fs: JournalFs, lockPath: string): Promise<LockFileState | undefined> {
  let handle: Awaited<ReturnType<JournalFs['open']>> | undefined;
  try {
    handle = await fs.open(lockPath, 'r');
    const { ino } = await handle.stat();
    return { content: await handle.readFile('utf8'), ino };
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Creates the file with our pid in it; returns its inode, or undefined if one
 * exists. Counted in `linkedHere` from just before the link, so that no other
 * journal of this process mistakes a lock it sees for a leftover meanwhile.
 * The temp file goes whatever happens: a write that fails after creating it
 * (a full disk) must not leave it behind.
 */
async function tryCreate(fs: JournalFs, lockPath: string): Promise<number | undefined> {
  const content = `${process.pid}\n`;
  const temp = `${lockPath}.${process.pid}-${randomUUID()}.tmp`;
  countLinked(lockPath, 1);
  let ino: number | undefined;
  try {
    await fs.writeFile(temp, content, { flag: 'wx' });
    const tempIno = (await fs.stat(temp)).ino;
    try {
      await fs.link(temp, lockPath);
      ino = tempIno;
      return ino;
    } catch (error) {
      const code = errno(error);
      if (code === 'EEXIST') return undefined;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') {
        throw error;
      }
    }
    ino = await createWithoutLink(fs, lockPath, content);
    return ino;
  } finally {
    if (ino === undefined) countLinked(lockPath, -1);
    await fs.unlink(temp).catch(() => {});
  }
}

/** For file systems without hard links: exclusive create, then write; removed again if the write fails. */
async function createWithoutLink(
  fs: JournalFs,
  lockPath: string,
  content: string,
): Promise<number | undefined> {
  let handle: Awaited<ReturnType<JournalFs['open']>>;
  try {
    handle = await fs.open(lockPath, 'wx');
  } catch (error) {
    if (errno(error) === 'EEXIST') return undefined;
    throw error;
  }
  try {
    await handle.writeFile(content);
    const { ino } = await handle.stat();
    await handle.close();
    return ino;
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.unlink(lockPath).catch(() => {});
    throw error;
  }
}

/** Best effort: move a stale file aside and delete it, unless a rival replaced it meanwhile. */
async function removeStaleGuard(
  fs: JournalFs,
  guardPath: string,
  judged: LockFileState,
): Promise<void> {
  const aside = `${guardPath}.${process.pid}-${randomUUID()}.stale`;
  try {
    await fs.rename(guardPath, aside);
  } catch (error) {
    if (errno(error) === 'ENOENT') return;
    throw error;
  }
  const moved = await readLockFile(fs, aside);
  if (moved && (moved.ino !== judged.ino || moved.content !== judged.content)) {
    await fs.link(aside, guardPath).catch(() => {});
  }
  await fs.unlink(aside).catch(() => {});
}

/**
 * Removes the stale lock `judged`, under the break guard. Returns without
 * removing anything when another process is breaking it (after a short wait)
 * or it changed meanwhile; the caller then looks again.
 */
async function breakStale(
  fs: JournalFs,
  lockPath: string,
  judged: LockFileState,
  attempt: number,
): Promise<void> {
  const guardPath = `${lockPath}.break`;
  const guardIno = await tryCreate(fs, guardPath);
  if (guardIno === undefined) {
    const guard = await readLockFile(fs, guardPath);
    if (guard && !ownerAlive(guardPath, parseLockPid(guard.content))) {
      await removeStaleGuard(fs, guardPath, guard);
    } else {
      await delay(2 ** Math.min(attempt, 6) + Math.random() * 4);
    }
    return;
  }
  try {
    // Nobody else removes a lock while we hold the guard, and a live lock is never replaced
    // while it exists, so if it is still the file we judged, removing it is safe.
    const now = await readLockFile(fs, lockPath);
    if (now && now.ino === judged.ino && now.content === judged.content) await fs.unlink(lockPath);
  } finally {
    await fs.unlink(guardPath).catch(() => {});
    countLinked(guardPath, -1);
  }
}

function lockedError(journalPath: string, lockPath: string, pid: number): JournalError {
  const who =
    pid === process.pid
      ? `this process (pid ${pid}) already has it open through another Journal; close that one first`
      : `process ${pid} holds it. Stop that process (e.g. the other session manager) or use a different journal path. If pid ${pid} is not an xstate-otp process (the pid was reused after a crash), delete ${lockPath}`;
  return new JournalError('locked', `Journal ${journalPath} is locked: ${who}.`, {
    path: journalPath,
  });
}

function hold(lockPath: string, ino: number): HeldLock {
  const lock: HeldLock = {
    path: lockPath,
    release() {
      if (!held.delete(lock)) return;
      countLinked(lockPath, -1);
      try {
        // Only remove it while it is still ours; a takeover gone wrong must not cost a rival its lock.
        if (statSync(lockPath).ino !== ino) return;
        if (parseLockPid(readFileSync(lockPath, 'utf8')) !== process.pid) return;
        unlinkSync(lockPath);
      } catch {
        // Already gone, or unreadable: nothing more can be done at release time.
      }
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const lock of [...held]) lock.release();
    });
  }
  return lock;
}

/**
 * Take the lock for `journalPath` at `lockPath` (the journal's real path plus
 * `.lock`). Rejects with `JournalError` 'locked' while a live process holds
 * it, 'io' when the lock file cannot be read or written.
 */
export async function acquireLock(
  lockPath: string,
  journalPath: string,
  fs: JournalFs = journalFs(),
): Promise<HeldLock> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      const ino = await tryCreate(fs, lockPath);
      if (ino !== undefined) return hold(lockPath, ino);
      const current = await readLockFile(fs, lockPath);
      if (current === undefined) continue; // released meanwhile: try again
      const pid = parseLockPid(current.content);
      if (ownerAlive(lockPath, pid)) throw lockedError(journalPath, lockPath, pid!);
      await breakStale(fs, lockPath, current, attempt);
    } catch (error) {
      if (error instanceof JournalError) throw error;
      throw ioError(journalPath, lockPath, error);
    }
  }
  throw new JournalError(
    'locked',
    `Journal ${journalPath} is locked: ${lockPath} kept changing hands over ${MAX_ATTEMPTS} attempts; other processes are opening it at the same time.`,
    { path: journalPath },
  );
}

export interface LockHolder {
  pid: number;
  /** The process is alive (for our own pid: a journal of this process holds the lock). */
  live: boolean;
}

/**
 * Who holds the lock at `lockPath`, without taking it: `undefined` when
 * there is no lock file or it names no pid (debris). Never writes.
 */
export async function readLockHolder(
  lockPath: string,
  fs: JournalFs = journalFs(),
): Promise<LockHolder | undefined> {
  let content: string;
  try {
    content = (await fs.readFile(lockPath)).toString('utf8');
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
  const pid = parseLockPid(content);
  return pid === undefined ? undefined : { pid, live: ownerAlive(lockPath, pid) };
}
