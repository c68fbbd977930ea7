/**
 * Restart backoff, pure: how long the n-th consecutive restart of a child
 * waits, and when a child has run long enough to start again from the
 * first delay. (Akka's `restartWithBackoff` and pm2's
 * `exp_backoff_restart_delay`, on OTP restart semantics.)
 *
 * ```ts
 * const policy = { minMs: 100, maxMs: 1000, factor: 2, jitter: 0, resetAfterMs: 1000 };
 * backoffDelay(policy, 1, Math.random()); // 100
 * backoffDelay(policy, 3, Math.random()); // 400
 * backoffDelay(policy, 9, Math.random()); // 1000: capped
 * backoffAttempt(policy, 3, 1500);         // 1: it ran 1500 ms, so the count starts over
 * ```
 */
import type { ResolvedBackoff } from './types.js';

/**
 * The wait before restart number `attempt` (1-based):
 * `min(maxMs, minMs * factor^(attempt-1))`, spread by ±jitter with
 * `random` in [0, 1), rounded to whole ms.
 */
export function backoffDelay(policy: ResolvedBackoff, attempt: number, random: number): number {
  const base = Math.min(policy.maxMs, policy.minMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.max(0, Math.round(base * (1 + policy.jitter * (2 * random - 1))));
}

/**
 * The attempt number of the restart being decided now, given the child's
 * previous count and how long its last incarnation ran (`undefined`: it
 * never started). A run of `resetAfterMs` or more resets the count.
 */
export function backoffAttempt(
  policy: ResolvedBackoff,
  previousAttempts: number,
  ranForMs: number | undefined,
): number {
  const stable = ranForMs !== undefined && ranForMs >= policy.resetAfterMs;
  return (stable ? 0 : previousAttempts) + 1;
}
