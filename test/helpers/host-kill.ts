/**
 * Kills a host together with its watchdog (`kill -9` of both, by pid): then
 * nothing kills the host's processes, and they are left for the next run's
 * reconciliation to sweep.
 * Tests of that reconciliation use this; a plain SIGKILL of the host is
 * followed by its watchdog's sweep within a second.
 *
 * ```ts
 * await killHostAndWatchdog(host.pid!); // both SIGKILLed; the host's processes live on
 * ```
 */
import { scannedMarkers, WATCHDOG_MARKER_ENV } from '../../src/process/markers.js';
import { readProcessTable } from '../../src/process/procfs.js';
import { waitForPidsGone } from '../../src/testing/processes.js';

/** The pid of `host`'s watchdog, if it has one running. */
export function watchdogOf(host: number): number | undefined {
  const table = readProcessTable(scannedMarkers(), { parents: true }) ?? [];
  return table.find((record) => record.ppid === host && record.markers.has(WATCHDOG_MARKER_ENV))
    ?.pid;
}

/** SIGKILLs `host` and its watchdog; resolves once both are gone. */
export async function killHostAndWatchdog(host: number): Promise<void> {
  // Stopped, the host cannot start another watchdog when it sees this one die.
  process.kill(host, 'SIGSTOP');
  const watchdog = watchdogOf(host);
  if (watchdog !== undefined) process.kill(watchdog, 'SIGKILL');
  process.kill(host, 'SIGKILL');
  await waitForPidsGone(watchdog === undefined ? [host] : [host, watchdog]);
}
