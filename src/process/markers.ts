/**
 * Which processes belong to what: the marker environment variables every
 * spawned process carries, and the walk that finds a tree's members in a
 * process table (see `procfs.ts`).
 *
 * ```ts
 * import { readProcessTable } from './procfs.js';
 *
 * const table = readProcessTable([SESSION_MARKER_ENV], { parents: true }) ?? []; // undefined without /proc
 * treeMembers(table, { name: SESSION_MARKER_ENV, value: 'a1' }); // marked pids and their descendants
 * treeMembers(table, (markers) => (markers.get(SCOPE_MARKER_ENV) === scope ? true : undefined));
 * ```
 *
 * The environment is inherited, so a descendant carries its ancestor's
 * markers even after `setsid` and re-parenting to init; the parent-pid walk
 * catches one that scrubbed its environment.
 *
 * The host watchdog (`watchdog.mjs`) imports this module in its own process,
 * from the sources as well as from the build: it must import nothing at run
 * time (type imports are erased).
 */
import type { ProcRecord } from './procfs.js';

/** Carries the unique id of the `fromProcess` actor that spawned the process. */
export const PROCESS_MARKER_ENV = 'XSTATE_OTP_PROCESS';
/** Carries the session id a process was spawned for (when it was). */
export const SESSION_MARKER_ENV = 'XSTATE_OTP_SESSION';
/**
 * Carries the scope of the journal whose manager spawned the process
 * (`journalScope` of its real path, random for a memory journal), next to
 * `SESSION_MARKER_ENV`: session ids are only unique within one journal.
 */
export const SCOPE_MARKER_ENV = 'XSTATE_OTP_SCOPE';

/**
 * Carries the identity of the host (the Node process) that spawned the
 * process, for its watchdog: when the host dies, whatever carries its value
 * is killed (see `hostWatchdog.ts`).
 */
export const HOST_MARKER_ENV = 'XSTATE_OTP_HOST';
/**
 * Carried by a host watchdog. A watchdog is never swept: it ends by itself
 * once its host is gone, and must outlive a host killed together with the
 * rest of a tree (a host that was itself a process child of another host).
 */
export const WATCHDOG_MARKER_ENV = 'XSTATE_OTP_WATCHDOG';

/**
 * The variables a process table scan must read for `treeMembers`: `names`
 * and the watchdog marker (a scan without it cannot spare watchdogs).
 */
export function scannedMarkers(...names: string[]): string[] {
  return [...new Set([...names, WATCHDOG_MARKER_ENV])];
}

/** An environment variable that marks the processes of one tree or one session. */
export interface EnvMarker {
  name: string;
  value: string;
}

/**
 * Whether a process belongs: `true` it does, `false` it never does (not even
 * as the descendant of one that does), `undefined` only as a descendant.
 */
export type MarkerMatch = (markers: ReadonlyMap<string, string>) => boolean | undefined;

/** Processes carrying `marker`; descendants whatever they carry. */
export const carrying =
  (marker: EnvMarker): MarkerMatch =>
  (markers) =>
    markers.get(marker.name) === marker.value ? true : undefined;

/**
 * Pids in `table` that belong to the tree: matching ones, and descendants of
 * `roots` and of those (unless `match` rules them out). Host watchdogs never
 * belong (when the table was read with `scannedMarkers`).
 */
export function treeMembers(
  table: readonly ProcRecord[],
  matcher: EnvMarker | MarkerMatch,
  roots: readonly number[] = [],
): number[] {
  const match = typeof matcher === 'function' ? matcher : carrying(matcher);
  const members = new Set<number>();
  const excluded = new Set<number>();
  for (const record of table) {
    const verdict = record.markers.has(WATCHDOG_MARKER_ENV) ? false : match(record.markers);
    if (verdict === true) members.add(record.pid);
    else if (verdict === false) excluded.add(record.pid);
  }
  // Never ourselves, nor (through us) our other children: a host that was itself
  // spawned by xstate-otp inherited a session marker.
  members.delete(process.pid);
  const hasParents = table.some((record) => record.ppid !== undefined);
  if (hasParents) {
    const children = new Map<number, number[]>();
    for (const record of table) {
      if (record.ppid === undefined) continue;
      const siblings = children.get(record.ppid);
      if (siblings) siblings.push(record.pid);
      else children.set(record.ppid, [record.pid]);
    }
    const queue = [...roots, ...members];
    for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
      for (const child of children.get(pid) ?? []) {
        if (!members.has(child) && !excluded.has(child)) {
          members.add(child);
          queue.push(child);
        }
      }
    }
  }
  // Roots are signalled through their process group by the caller.
  for (const root of roots) members.delete(root);
  return [...members];
}

/** Signals one process; one that is gone (or not ours) is no error. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 1) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone, or not ours to signal.
  }
}
