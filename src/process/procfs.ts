/**
 * A cheap, Linux-only view of the process table, read from `/proc`.
 *
 * The process tree kill needs two things the OS has no single call for: the
 * processes that carry one of our marker environment variables (they may have
 * escaped the process group with `setsid` and been re-parented), and the
 * descendants of a live root (their parent pids). Both come from `/proc`:
 *
 * ```ts
 * const table = readProcessTable(['XSTATE_OTP_PROCESS'], { parents: true });
 * // [{ pid: 4242, ppid: 4200, markers: Map { 'XSTATE_OTP_PROCESS' => 'V1StGXR8' } }, ...]
 * ```
 *
 * Cost: one `readdir` plus one small read per process (two with `parents`),
 * about 1-2 ms for a hundred processes. Callers that may run many times in a
 * tick use `scanSoon`, which folds every request of a tick into one scan.
 * Elsewhere (macOS, Windows) there is no `/proc`: the table is `undefined` and
 * callers fall back to process-group signals.
 *
 * The host watchdog (`watchdog.mjs`) imports this module in its own process,
 * from the sources as well as from the build: it must import nothing at run
 * time but Node's own modules.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';

/** True where `/proc/<pid>/environ` can be read (Linux). */
export const hasProcfs: boolean = process.platform === 'linux' && existsSync('/proc/self/environ');

export interface ProcRecord {
  pid: number;
  /** Parent pid; only read when the scan asked for `parents`. */
  ppid: number | undefined;
  /** Values of the requested marker variables this process carries. */
  markers: Map<string, string>;
}

export interface ScanOptions {
  /** Also read every process's parent pid (twice the cost). */
  parents?: boolean;
}

// One shared read buffer: scans are synchronous, so it is never used twice at once.
let buffer = Buffer.allocUnsafe(16 * 1024);

/** Reads a whole /proc file into the shared buffer; returns its length. Throws like fs does. */
function readProcFile(path: string): number {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return length;
      length += read;
    }
  } finally {
    closeSync(fd);
  }
}

interface StatFields {
  state: string;
  ppid: number;
  kernelThread: boolean;
}

// PF_KTHREAD in the `flags` field: kernel threads have no environment to read.
const PF_KTHREAD = 0x00200000;

/** `/proc/<pid>/stat` is `pid (comm) state ppid ...`; comm may hold spaces and parens. */
function readStat(pid: number): StatFields | undefined {
  const length = readProcFile(`/proc/${pid}/stat`);
  const text = buffer.toString('latin1', 0, length);
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const flags = Number(fields[6]);
  return {
    state: fields[0] ?? '?',
    ppid: Number.isInteger(ppid) ? ppid : 0,
    kernelThread: (flags & PF_KTHREAD) !== 0,
  };
}

/** Marker values found in `/proc/<pid>/environ` (NUL-separated `NAME=value` entries). */
function readMarkers(pid: number, names: readonly string[]): Map<string, string> {
  const markers = new Map<string, string>();
  const length = readProcFile(`/proc/${pid}/environ`);
  if (length === 0) return markers; // zombies and kernel threads have no environment
  const environ = buffer.subarray(0, length);
  for (const name of names) {
    const needle = `${name}=`;
    let at = environ.indexOf(needle, 0, 'latin1');
    // Only a match at the start of an entry counts (not `OTHER_XSTATE_OTP_PROCESS=`).
    while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(needle, at + 1, 'latin1');
    if (at < 0) continue;
    const start = at + needle.length;
    const end = environ.indexOf(0, start);
    markers.set(name, environ.toString('utf8', start, end < 0 ? length : end));
  }
  return markers;
}

/**
 * Every live (non-zombie) process this user may inspect, with the requested
 * marker values. Processes carrying none of the markers are included only
 * when `parents` is asked for (the tree walk needs them). `undefined` without
 * `/proc`.
 */
export function readProcessTable(
  names: readonly string[],
  options: ScanOptions = {},
): ProcRecord[] | undefined {
  if (!hasProcfs) return undefined;
  const records: ProcRecord[] = [];
  // Most failed reads (kernel threads, other users, processes that just ended)
  // throw; capturing a stack for each would dominate the scan's cost.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      const first = entry.charCodeAt(0);
      if (first < 48 || first > 57) continue;
      const pid = Number(entry);
      let ppid: number | undefined;
      try {
        if (options.parents) {
          const stat = readStat(pid);
          // Zombies are already dead, and kernel threads are not ours.
          if (!stat || stat.state === 'Z' || stat.kernelThread) continue;
          ppid = stat.ppid;
        }
        const markers = readMarkers(pid, names);
        if (markers.size > 0 || options.parents) records.push({ pid, ppid, markers });
      } catch {
        // Gone since readdir, or not ours to read: neither can be one of our processes.
      }
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return records;
}

interface PendingScan {
  names: readonly string[];
  parents: boolean;
  resolve: (table: ProcRecord[] | undefined) => void;
}

let pending: PendingScan[] = [];

/**
 * Like `readProcessTable`, but every request made in the same tick shares one
 * scan (run on `setImmediate`). Fifty process trees ending together cost one
 * scan, not fifty.
 */
export function scanSoon(
  names: readonly string[],
  options: ScanOptions = {},
): Promise<ProcRecord[] | undefined> {
  if (!hasProcfs) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    pending.push({ names, parents: options.parents ?? false, resolve });
    if (pending.length === 1) setImmediate(flushScans);
  });
}

function flushScans(): void {
  const batch = pending;
  pending = [];
  const names = [...new Set(batch.flatMap((request) => request.names))];
  const parents = batch.some((request) => request.parents);
  let table: ProcRecord[] | undefined;
  try {
    table = readProcessTable(names, { parents });
  } catch {
    // readdir('/proc') itself failed: behave as if there were no /proc.
    table = undefined;
  }
  for (const request of batch) request.resolve(table);
}

/**
 * The pids among `pids` that are still on their way out: the kernel has
 * taken their environment away (so a marker scan no longer finds them) but
 * they are not zombies yet, and may still hold files and ports for a moment.
 * A pid reused by a new process has a readable environment and is not listed.
 */
export function exitingProcesses(pids: Iterable<number>): number[] {
  if (!hasProcfs) return [];
  const exiting: number[] = [];
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const pid of pids) {
      let stat: StatFields | undefined;
      try {
        stat = readStat(pid);
      } catch {
        continue; // gone
      }
      if (!stat || stat.state === 'Z' || stat.kernelThread) continue;
      try {
        readProcFile(`/proc/${pid}/environ`);
      } catch (error) {
        // ESRCH: its memory is already released. (EACCES: someone else's process.)
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') exiting.push(pid);
      }
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  return exiting;
}

export interface RunState {
  /** Stopped: state `T` (by a signal: SIGSTOP, SIGTSTP, Ctrl-Z) or `t` (a debugger's trace stop). */
  stopped: boolean;
  /**
   * Context switches of its main thread so far (voluntary and not). It moves
   * whenever the process has run: a process stopped, continued and stopped
   * again between two reads shows the same state and another count.
   */
  switches: number;
}

const SWITCHES = /^(?:non)?voluntary_ctxt_switches:\s*(\d+)/gm;

/**
 * Whether `pid` is stopped, and how often it has been scheduled; `undefined`
 * when it is gone, and always without `/proc`. The state is the field after
 * the *last* `)` of `/proc/<pid>/stat`: the command name before it may hold
 * spaces and parentheses. The host watchdog reads its host with this once a
 * lease deadline has passed (`watchdog.mjs`).
 */
export function readRunState(pid: number): RunState | undefined {
  if (!hasProcfs) return undefined;
  try {
    const length = readProcFile(`/proc/${pid}/status`);
    let switches = 0;
    for (const match of buffer.toString('latin1', 0, length).matchAll(SWITCHES)) {
      switches += Number(match[1]);
    }
    const state = readStat(pid)?.state;
    if (state === undefined || state === 'Z') return undefined;
    return { stopped: state === 'T' || state === 't', switches };
  } catch {
    return undefined;
  }
}

/**
 * True while `pid` is a running process. `kill(pid, 0)` alone would also
 * count zombies (exited, not yet reaped), which matters in containers whose
 * init never reaps, so on Linux the state is read from `/proc` too.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!hasProcfs) return true;
  try {
    return readStat(pid)?.state !== 'Z';
  } catch {
    return false;
  }
}
