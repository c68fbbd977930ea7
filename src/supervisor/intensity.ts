/**
 * The restart intensity window, pure: OTP's `add_restart/3` in
 * milliseconds. With intensity N and period T, N restarts within any window
 * of T ms are allowed; the (N+1)-th is refused. The window is inclusive, as
 * in OTP: a restart exactly T ms ago still counts.
 *
 * ```ts
 * admitRestart([0, 400], 1000, 2, 1000); // { log: [0, 400, 1000], allowed: false }
 * admitRestart([0, 400], 1001, 2, 1000); // { log: [400, 1001], allowed: true }
 * ```
 */
export function admitRestart(
  log: readonly number[],
  now: number,
  intensity: number,
  period: number,
): { log: number[]; allowed: boolean } {
  const recent = log.filter((at) => now - at <= period);
  recent.push(now);
  return { log: recent, allowed: recent.length <= intensity };
}
