/**
 * Times that another process on the same machine can compare with its own:
 * milliseconds on the system's monotonic clock.
 *
 * ```ts
 * const now = monotonicNowMs();                      // e.g. 2292672.81
 * const deadline = monotonicFromPerformanceMs(performance.now() + 10_000);
 * // a child process compares `deadline` with its own monotonicNowMs()
 * ```
 *
 * `process.hrtime.bigint()` reads libuv's `uv_hrtime()`, which on Linux is
 * `clock_gettime(CLOCK_MONOTONIC)`: one clock for every process of the
 * machine (same time namespace), not set by NTP jumps, counting on while a
 * process is stopped. `performance.now()` reads the same clock but from an
 * origin of its own, the process's start: its values mean nothing to another
 * process. Checked: a child's `hrtime` falls between two reads of its
 * parent's and matches another program's `CLOCK_MONOTONIC`, and the offset
 * between the two clocks of one process holds still (to a tenth of a ms: the
 * gap between two reads).
 */

/** Now, in ms on the machine's monotonic clock. */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

// `performance.now()` + this = the monotonic clock. Read monotonic first: the
// offset comes out at most the gap between the two reads too small, so a
// converted deadline can only come out early, never late.
const performanceOrigin = monotonicNowMs() - performance.now();

/** A `performance.now()` time of this process as a monotonic time (see above). */
export function monotonicFromPerformanceMs(performanceMs: number): number {
  return performanceMs + performanceOrigin;
}
