/**
 * No process outlives its host by more than a second, however the host dies.
 *
 * The `exit` and signal hooks of `hostExit.ts` kill every tree when the host
 * can still run code. A host killed by SIGKILL or the OOM killer runs
 * nothing, so the killing is left to another process: one small watchdog per
 * host (`watchdog.mjs`), started the first time the host spawns a process,
 * holding a pipe from the host on its stdin. The kernel closes the pipe when
 * the host dies, whatever killed it; the watchdog then SIGKILLs every process
 * carrying this host's marker (`XSTATE_OTP_HOST`) and every process group the
 * host told it about, and exits.
 *
 * ```ts
 * ensureHostWatchdog();               // before a spawn: starts it once per host
 * spawn(command, { env: { [HOST_MARKER_ENV]: hostMarkerValue } });
 * watchGroup(pid); unwatchGroup(pid); // the process groups the host leads
 * hostWatchdogPid();                  // its pid (diagnostics, tests)
 *
 * const lease = holdLeaseDeadline(); // cluster mode: one per manager
 * lease.set(2_293_190);               // at each renewal: its deadline, monotonic ms
 * lease.release();                    // that manager stopped
 * ```
 *
 * It costs one idle Node process per host (whatever the number of managers,
 * sessions or processes), no timer and no handle that keeps the host alive:
 * the child and its pipe are unref'd.
 *
 * A stopped host (SIGSTOP) keeps the pipe open. In cluster mode that is not
 * enough: once the host's lease has lapsed, a survivor may resume its
 * sessions, and the stopped host's processes (an agent CLI) would work on
 * alongside the new ones. So a session manager on a cluster store tells the
 * watchdog its lease deadline at each renewal (`d<ms>`, on the machine's
 * monotonic clock, which the watchdog reads too: `ground/monotonic.ts`). It
 * is the deadline by which the host fences itself, earlier than any
 * survivor's takeover. Once it has passed, the watchdog kills the host's
 * processes if the host is stopped (it cannot renew then), and goes on
 * watching (the host may be continued; it fences itself then). The earliest
 * deadline of the host's managers applies; without one (single host:
 * nothing takes over) a stopped host's processes live on with it, and the
 * watchdog has no timer at all. Should the watchdog be killed while
 * the host lives, it is started again, at most once a second; should it fail
 * (its program missing from a bundle, say), the host warns once
 * (`XSTATE_OTP_WATCHDOG`) and runs without. On Windows there is none (no
 * process groups to kill; `hostExit.ts` still runs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WATCHDOG_MARKER_ENV } from './markers.js';

export { HOST_MARKER_ENV } from './markers.js';

/** This host's identity: every process it spawns carries `XSTATE_OTP_HOST=<value>`. */
export const hostMarkerValue = `${process.pid}-${randomBytes(6).toString('hex')}`;

const scriptPath = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));
// From the TypeScript sources (this repository's tests), the watchdog loads
// `.ts` siblings, which Node strips of their types (a flag before 22.18).
const nodeFlags = import.meta.url.endsWith('.ts') ? ['--experimental-strip-types'] : [];
// A watchdog is started at most once per this long, so that one killed over
// and over cannot make the host spin.
const RESTART_INTERVAL_MS = 1000;

let watchdog: ChildProcess | undefined;
let startedAt = Number.NEGATIVE_INFINITY;
let restartTimer: NodeJS.Timeout | undefined;
let unavailable = process.platform === 'win32';
let warned = false;
/** Process groups the host leads (each tree's root), told to every watchdog. */
const groups = new Set<number>();
/** Each cluster manager's latest lease deadline (monotonic ms; undefined: none yet). */
const leaseDeadlines = new Set<{ ms: number | undefined }>();
/** The deadline the running watchdog was told (0: none). */
let toldDeadline = 0;

/** Starts this host's watchdog unless it runs (or cannot run). Call before a spawn. */
export function ensureHostWatchdog(): void {
  if (watchdog || unavailable || restartTimer) return;
  const wait = startedAt + RESTART_INTERVAL_MS - Date.now();
  if (wait > 0) {
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      ensureHostWatchdog();
    }, wait);
    restartTimer.unref();
    return;
  }
  start();
}

/** The watchdog also kills this process group once the host is gone. */
export function watchGroup(pgid: number): void {
  if (unavailable || groups.has(pgid)) return;
  groups.add(pgid);
  tell(`+${pgid}`);
}

/** The group is gone: its id may be reused, the watchdog must forget it. */
export function unwatchGroup(pgid: number): void {
  if (groups.delete(pgid)) tell(`-${pgid}`);
}

export interface LeaseDeadline {
  /** The lease's new deadline, in ms on the monotonic clock (`monotonicNowMs()`). */
  set(deadlineMs: number): void;
  /** The manager stopped: its deadline no longer applies. Idempotent. */
  release(): void;
}

/**
 * One cluster manager's lease deadline, for the watchdog: should this host
 * be stopped (SIGSTOP) past it, its processes are killed. The earliest
 * deadline of all held applies. The watchdog is told each change now if it
 * runs, and every watchdog started later is told the latest. On Windows this
 * does nothing.
 */
export function holdLeaseDeadline(): LeaseDeadline {
  const held: { ms: number | undefined } = { ms: undefined };
  leaseDeadlines.add(held);
  return {
    set(deadlineMs) {
      if (!leaseDeadlines.has(held) || !Number.isFinite(deadlineMs) || deadlineMs <= 0) return;
      held.ms = Math.floor(deadlineMs);
      tellDeadline();
    },
    release() {
      if (leaseDeadlines.delete(held)) tellDeadline();
    },
  };
}

/** The lease deadline in force (the earliest held), or `undefined` without one. */
export function hostLeaseDeadlineMs(): number | undefined {
  let earliest: number | undefined;
  for (const { ms } of leaseDeadlines) {
    if (ms !== undefined) earliest = Math.min(ms, earliest ?? ms);
  }
  return earliest;
}

function tellDeadline(): void {
  const ms = hostLeaseDeadlineMs() ?? 0;
  if (ms === toldDeadline) return;
  toldDeadline = ms;
  tell(`d${ms}`);
}

/** The running watchdog's pid, if there is one. */
export function hostWatchdogPid(): number | undefined {
  return watchdog?.pid;
}

function tell(line: string): void {
  watchdog?.stdin?.write(`${line}\n`);
}

function start(): void {
  if (!existsSync(scriptPath)) {
    unavailable = true;
    warn(`its program is missing (${scriptPath}; was the package bundled?)`);
    return;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, [WATCHDOG_MARKER_ENV]: hostMarkerValue };
  // The host's Node options (an inspector port, a loader) are not for the watchdog.
  delete env.NODE_OPTIONS;
  startedAt = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...nodeFlags, scriptPath, hostMarkerValue], {
      // Its own session: a terminal's Ctrl-C or hang-up, or a signal to the
      // host's process group, is not for it.
      detached: true,
      // Not the host's working directory, which it would keep busy.
      cwd: '/',
      env,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch (error) {
    warn(String(error));
    return;
  }
  watchdog = child;
  child.unref();
  // The pipe must not keep the host alive either; a watchdog that died takes
  // its read end with it (EPIPE), which is handled by its exit.
  (child.stdin as Socket | null)?.unref();
  child.stdin?.on('error', () => {});
  child.on('error', (error) => {
    // Could not be spawned (out of processes or memory).
    if (watchdog === child) watchdog = undefined;
    warn(error.message);
  });
  child.on('exit', (code, signal) => {
    if (watchdog !== child) return;
    watchdog = undefined;
    if (signal === null) {
      // It exits by itself only once its pipe closed, which cannot happen
      // while the host lives: it is broken (it could not load its modules).
      unavailable = true;
      warn(`it exited with code ${code}`);
    } else if (groups.size > 0) {
      // Killed: the next one starts now (or a second after this one did).
      ensureHostWatchdog();
    }
  });
  for (const pgid of groups) tell(`+${pgid}`);
  toldDeadline = hostLeaseDeadlineMs() ?? 0;
  if (toldDeadline > 0) tell(`d${toldDeadline}`);
}

function warn(why: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    `xstate-otp could not keep its host watchdog running: ${why}. If this host is ` +
      'killed with SIGKILL, its processes will live on until the next run of its ' +
      'session manager sweeps them.',
    { code: 'XSTATE_OTP_WATCHDOG' },
  );
}
