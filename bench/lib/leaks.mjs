/**
 * Finding processes a scenario left behind. Every process the benchmarks
 * start carries `XSTATE_OTP_BENCH=<run id>` in its environment, which its
 * descendants inherit, so a scan of /proc finds them even after they were
 * re-parented, and never mistakes another program's processes (tests running
 * in parallel) for ours.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const BENCH_MARKER = 'XSTATE_OTP_BENCH';
/** The driver hands its run id to the scenario processes (which do not carry the marker). */
export const runId = process.env.XSTATE_OTP_BENCH_RUN ?? `${process.pid}-${Date.now()}`;
export const benchEnv = { [BENCH_MARKER]: runId };

/** Live (non-zombie) pids carrying this run's marker; empty where there is no /proc. */
export function markedPids(id = runId) {
  const needle = `${BENCH_MARKER}=${id}\0`;
  const pids = [];
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      pids.push(Number(entry));
    } catch {
      // Gone since readdir, or not ours to read.
    }
  }
  return pids;
}

/** SIGKILLs the given pids, ignoring those already gone. */
export function killAll(pids) {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
