/**
 * Sweeping processes by marker: killing whatever carries a session's (or a
 * journal scope's) markers, wherever it is, e.g. what a host that was
 * SIGKILLed left running.
 *
 * ```ts
 * await sweepSessionProcesses('a1', { scope: journal.scope, forceKillAfterMs: 1000 });
 * await sweepScopeProcesses(journal.scope, { keep: (id) => id !== undefined && live.has(id) });
 * findSessionProcesses('a1', journal.scope); // [] once it is done
 * ```
 *
 * Linux only (they read `/proc`); elsewhere nothing is found and every sweep
 * resolves at once.
 */
import {
  carrying,
  type EnvMarker,
  type MarkerMatch,
  SCOPE_MARKER_ENV,
  SESSION_MARKER_ENV,
  scannedMarkers,
  signalPid,
  treeMembers,
} from './markers.js';
import { exitingProcesses, readProcessTable, scanSoon } from './procfs.js';

// Polls while processes are dying: quick at first, then backing off.
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 100;

/** Pids of the live processes carrying `marker` (empty without `/proc`). */
export function findMarkedProcesses(marker: EnvMarker): number[] {
  const table = readProcessTable(scannedMarkers(marker.name));
  return table ? treeMembers(table, marker) : [];
}

export interface SweepOptions {
  /** First signal sent. Default `'SIGTERM'`. */
  signal?: NodeJS.Signals;
  /** SIGKILL what is left after this many ms. Default 5000; 0 sends SIGKILL at once. */
  forceKillAfterMs?: number;
}

export interface SweepResult {
  /** Every pid found carrying the marker (and their descendants). */
  pids: number[];
  /** Those still alive when the sweep gave up (SIGKILL ignored for 2 s: stuck in the kernel). */
  survivors: number[];
}

// After SIGKILL, a process can only survive while stuck in an uninterruptible
// kernel call: stop waiting for it at some point rather than hang the caller.
const SIGKILL_PATIENCE_MS = 2000;

/**
 * Kills every process carrying `marker` and its descendants: `signal`
 * first, SIGKILL after `forceKillAfterMs`, and resolves once none is left
 * (or, for a process that survives SIGKILL for 2 s, with it in `survivors`).
 * Linux only; elsewhere it finds nothing and resolves at once.
 *
 * Marker values must be unique to what you mean to kill: for a session's
 * processes use `sweepSessionProcesses` with the journal's scope, since
 * another journal's manager may run a session with the same id.
 */
export function sweepMarkedProcesses(
  marker: EnvMarker,
  options: SweepOptions = {},
): Promise<SweepResult> {
  return sweepMatching([marker.name], carrying(marker), options);
}

async function sweepMatching(
  names: readonly string[],
  match: MarkerMatch,
  options: SweepOptions,
): Promise<SweepResult> {
  const signal = options.signal ?? 'SIGTERM';
  const forceKillAfterMs = options.forceKillAfterMs ?? 5000;
  const found = new Set<number>();
  const deadline = Date.now() + forceKillAfterMs;
  const giveUpAt = deadline + SIGKILL_PATIENCE_MS;
  let current: NodeJS.Signals = forceKillAfterMs <= 0 ? 'SIGKILL' : signal;
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    const table = await scanSoon(scannedMarkers(...names), { parents: true });
    if (!table) break;
    const members = treeMembers(table, match);
    // A killed process loses its environment (and so its markers) before it
    // is a zombie: it is gone only once it has left that state too.
    const leaving = members.length === 0 ? exitingProcesses(found) : [];
    if (members.length === 0 && leaving.length === 0) break;
    if (Date.now() >= giveUpAt) return { pids: [...found], survivors: [...members, ...leaving] };
    if (current !== 'SIGKILL' && Date.now() >= deadline) current = 'SIGKILL';
    for (const pid of members) {
      // Signal each process once per signal kind; SIGKILL again is harmless.
      if (!found.has(pid) || current === 'SIGKILL') {
        signalPid(pid, current);
        // A stopped process acts on the signal only once continued (see processTree.ts).
        if (current !== 'SIGKILL') signalPid(pid, 'SIGCONT');
      }
      found.add(pid);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
  return { pids: [...found], survivors: [] };
}

export interface SessionSweepOptions extends SweepOptions {
  /**
   * The journal scope (`SCOPE_MARKER_ENV`) the session belongs to: only
   * processes carrying both the session id and this scope are killed, and a
   * process of another scope is spared even as a descendant. Without it,
   * every process with the session id is, whatever its journal: pass it.
   */
  scope?: string;
}

/**
 * The processes of one session (`ProcessInput.sessionId`) of one journal:
 * what a session's end, and reconciliation of a session known to have been
 * live, sweep.
 */
export function sweepSessionProcesses(
  sessionId: string,
  options: SessionSweepOptions = {},
): Promise<SweepResult> {
  const { scope } = options;
  if (scope === undefined) {
    return sweepMarkedProcesses({ name: SESSION_MARKER_ENV, value: sessionId }, options);
  }
  return sweepMatching(
    [SESSION_MARKER_ENV, SCOPE_MARKER_ENV],
    (markers) => {
      const theirs = markers.get(SCOPE_MARKER_ENV);
      if (theirs !== undefined && theirs !== scope) return false;
      return theirs === scope && markers.get(SESSION_MARKER_ENV) === sessionId ? true : undefined;
    },
    options,
  );
}

export interface ScopeSweepOptions extends SweepOptions {
  /**
   * Sessions whose processes stay (the live ones). Called with the session
   * id a process carries, or `undefined` for a process of the scope without
   * one. Default: none stays.
   */
  keep?: (sessionId: string | undefined) => boolean;
}

/**
 * Kills every process of a journal scope whose session is not kept: at
 * start-up, every process of the journal that no live session owns,
 * including one whose session never got a `created` record (its host died
 * in between). Processes of any other scope are never touched, whatever
 * their session ids, not even as descendants of a swept one.
 */
export function sweepScopeProcesses(
  scope: string,
  options: ScopeSweepOptions = {},
): Promise<SweepResult> {
  const keep = options.keep ?? (() => false);
  return sweepMatching(
    [SCOPE_MARKER_ENV, SESSION_MARKER_ENV],
    (markers) => {
      const theirs = markers.get(SCOPE_MARKER_ENV);
      if (theirs === undefined) return undefined;
      if (theirs !== scope) return false;
      return !keep(markers.get(SESSION_MARKER_ENV));
    },
    options,
  );
}

/** Pids of the live processes of one session of one journal scope (empty without `/proc`). */
export function findSessionProcesses(sessionId: string, scope: string): number[] {
  const table = readProcessTable(scannedMarkers(SESSION_MARKER_ENV, SCOPE_MARKER_ENV));
  if (!table) return [];
  return treeMembers(table, (markers) =>
    markers.get(SCOPE_MARKER_ENV) === scope && markers.get(SESSION_MARKER_ENV) === sessionId
      ? true
      : undefined,
  );
}
