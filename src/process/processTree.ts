/**
 * Killing a whole process tree, including the parts that tried to get away.
 *
 * Every process `fromProcess` spawns carries marker environment variables
 * (`XSTATE_OTP_PROCESS=<unique id>`; when it runs for a session,
 * `XSTATE_OTP_SESSION=<session id>` and `XSTATE_OTP_SCOPE=<journal scope>`,
 * since session ids are only unique within one journal). The environment is inherited, so every
 * descendant carries them too, even one that called `setsid` and was
 * re-parented to init. A tree is therefore found three ways, and all three are
 * signalled:
 *
 * 1. its process group (the root is spawned as a group leader by execa's
 *    `killDescendants`), which also works where there is no `/proc`;
 * 2. on Linux, every process whose `/proc/<pid>/environ` carries the marker;
 * 3. on Linux, the descendants of the root and of every marked process, by
 *    parent pid (catches a descendant that scrubbed its environment).
 *
 * ```ts
 * const tree = new ProcessTree({ pid, marker, killSignal: 'SIGTERM', forceKillAfterMs: 5000 });
 * tree.terminate();          // SIGTERM to all of it now, SIGKILL to what is left after 5 s
 * await tree.gone;           // resolves once the root has exited and nothing marked is left
 *
 * // A session's leftovers, e.g. after the previous host was SIGKILLed:
 * await sweepSessionProcesses(sessionId, { scope: journal.scope });
 * // Everything of this journal that no live session owns:
 * await sweepScopeProcesses(journal.scope, { keep: (id) => id !== undefined && live.has(id) });
 * ```
 *
 * The escalation timers are module-level, not the actor's: XState's `stop()`
 * is synchronous and cancels the actor's own timers, and the SIGKILL must
 * still come after it. They keep the host alive for at most the grace, and
 * are cleared as soon as the tree is gone.
 */
import { runAfter } from './batchedTimers.js';
import { type EnvMarker, scannedMarkers, signalPid, treeMembers } from './markers.js';
import {
  exitingProcesses,
  hasProcfs,
  isProcessAlive,
  type ProcRecord,
  readProcessTable,
  scanSoon,
} from './procfs.js';

export interface ProcessTreeOptions {
  /** Root pid; the root leads its own process group. */
  pid: number;
  marker: EnvMarker;
  killSignal: NodeJS.Signals;
  forceKillAfterMs: number;
  /**
   * Signals the root's process group. Defaults to `process.kill(-pid)`;
   * `fromProcess` passes execa's `subprocess.kill`, which also knows Windows.
   */
  signalGroup?: (signal: NodeJS.Signals) => void;
}

// Polls for the tree's end while it is being killed: quick at first (most
// processes die right away on SIGTERM), then backing off. (Timers run in
// 10 ms slots, see batchedTimers.)
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 100;
function signalGroupOf(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 1) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is empty.
  }
}

/** One spawned process and everything it started: how to kill it and when it is gone. */
export class ProcessTree {
  readonly pid: number;
  readonly marker: EnvMarker;
  /** Resolves once the root has exited and no process of the tree is left. Never rejects. */
  readonly gone: Promise<void>;
  /** Every pid seen as part of the tree, root included (for diagnostics and tests). */
  readonly seen = new Set<number>();

  readonly #killSignal: NodeJS.Signals;
  readonly #forceKillAfterMs: number;
  readonly #signalGroup: (signal: NodeJS.Signals) => void;
  #resolveGone!: () => void;
  #rootExited = false;
  #terminating = false;
  #finished = false;
  #checking = false;
  #recheck = false;
  #cancelForceKill: (() => void) | undefined;
  #cancelPoll: (() => void) | undefined;
  #pollMs = FIRST_POLL_MS;

  constructor(options: ProcessTreeOptions) {
    this.pid = options.pid;
    this.marker = options.marker;
    this.#killSignal = options.killSignal;
    this.#forceKillAfterMs = options.forceKillAfterMs;
    this.#signalGroup = options.signalGroup ?? ((signal) => signalGroupOf(this.pid, signal));
    this.seen.add(this.pid);
    this.gone = new Promise((resolve) => {
      this.#resolveGone = resolve;
    });
  }

  get terminating(): boolean {
    return this.#terminating;
  }

  get finished(): boolean {
    return this.#finished;
  }

  get rootHasExited(): boolean {
    return this.#rootExited;
  }

  /**
   * Sends the kill signal to every process of the tree now, and SIGKILL to
   * whatever is left after `forceKillAfterMs`. Idempotent; synchronous for
   * the process group, the `/proc` part follows on the next scan.
   */
  terminate(): void {
    if (this.#terminating || this.#finished) return;
    this.#terminating = true;
    // A stopped process (SIGSTOP, a shell's ^Z) acts on the kill signal only
    // once it runs again: continue it, as systemd and launchd do, so that it
    // shuts down within its grace instead of waiting out the SIGKILL.
    this.#signalAll(this.#killSignal, 'SIGCONT');
    this.#cancelForceKill = runAfter(this.#forceKillAfterMs, () => this.#killNow());
    this.#schedulePoll();
  }

  /** SIGKILL now, whatever grace was left: the one who asked for the stop stopped waiting. */
  kill(): void {
    if (this.#finished) return;
    this.#terminating = true;
    this.#cancelForceKill?.();
    this.#killNow();
  }

  #killNow(): void {
    this.#cancelForceKill = undefined;
    this.#signalAll('SIGKILL');
    // SIGKILL works at once: look again soon rather than at the backed-off pace.
    this.#cancelPoll?.();
    this.#cancelPoll = undefined;
    this.#pollMs = FIRST_POLL_MS;
    this.#schedulePoll();
  }

  /** The root has exited: finish when nothing else is left, kill what is. */
  rootExited(): void {
    this.#rootExited = true;
    void this.#check();
  }

  /** Signals the root's process group only (synchronous). */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      this.#signalGroup(signal);
    } catch {
      // The group is gone.
    }
  }

  /** Sends `signals`, in order, to the group now and to every marked member once scanned. */
  #signalAll(...signals: NodeJS.Signals[]): void {
    for (const signal of signals) this.signalGroup(signal);
    if (!hasProcfs) return;
    const roots = this.#rootExited ? [] : [this.pid];
    void scanSoon(scannedMarkers(this.marker.name), { parents: true }).then((table) => {
      if (!table) return;
      for (const pid of treeMembers(table, this.marker, roots)) {
        this.seen.add(pid);
        for (const signal of signals) signalPid(pid, signal);
      }
    });
  }

  async #check(): Promise<void> {
    if (this.#finished) return;
    if (this.#checking) {
      // A scan in flight may predate what just happened (the root's exit): look once more after it.
      this.#recheck = true;
      return;
    }
    this.#checking = true;
    try {
      do {
        this.#recheck = false;
        // Until the root exits there is nothing to finish: its exit event brings us back.
        if (!this.#rootExited) return;
        const left = await this.#leftovers();
        if (this.#finished) return;
        if (this.#rootExited && left === 0) {
          this.#finish();
        } else if (this.#rootExited && !this.#terminating) {
          // The root is done but left processes behind: they do not outlive it.
          this.terminate();
        }
      } while (this.#recheck && !this.#finished);
    } finally {
      this.#checking = false;
    }
  }

  async #leftovers(): Promise<number> {
    if (!hasProcfs) {
      // Best effort without /proc: the group is alive while any member is.
      try {
        process.kill(-this.pid, 0);
        return 1;
      } catch {
        return 0;
      }
    }
    const table = await scanSoon(scannedMarkers(this.marker.name));
    if (!table) return 0;
    const members = treeMembers(table, this.marker);
    for (const pid of members) this.seen.add(pid);
    // Killed but not yet a zombie: no longer marked, not gone either.
    return members.length > 0 ? members.length : exitingProcesses(this.seen).length;
  }

  #schedulePoll(): void {
    if (this.#finished || this.#cancelPoll) return;
    this.#cancelPoll = runAfter(this.#pollMs, () => {
      this.#cancelPoll = undefined;
      void this.#check().then(() => {
        this.#pollMs = Math.min(this.#pollMs * 2, MAX_POLL_MS);
        this.#schedulePoll();
      });
    });
  }

  #finish(): void {
    this.#finished = true;
    this.#cancelForceKill?.();
    this.#cancelPoll?.();
    this.#cancelForceKill = undefined;
    this.#cancelPoll = undefined;
    this.#resolveGone();
  }
}

/**
 * SIGKILLs every process of the given trees, synchronously and with one
 * `/proc` scan for all of them. For the host's last moments (`exit`, a fatal
 * signal), where no timer will ever run again.
 */
export function killTreesSync(trees: Iterable<ProcessTree>): void {
  const list = [...trees].filter((tree) => !tree.finished);
  if (list.length === 0) return;
  for (const tree of list) tree.signalGroup('SIGKILL');
  let table: ProcRecord[] | undefined;
  try {
    table = readProcessTable(scannedMarkers(...list.map((tree) => tree.marker.name)), {
      parents: true,
    });
  } catch {
    table = undefined;
  }
  if (!table) return;
  for (const tree of list) {
    // An exited root's pid may already belong to someone else: no walk from it.
    const roots = tree.rootHasExited ? [] : [tree.pid];
    for (const pid of treeMembers(table, tree.marker, roots)) signalPid(pid, 'SIGKILL');
    // The root was only reached through its group; make sure it is not spared.
    if (!tree.rootHasExited && isProcessAlive(tree.pid)) signalPid(tree.pid, 'SIGKILL');
  }
}
