/**
 * Restart strategies, pure: which children a restart stops and starts.
 *
 * ```ts
 * planRestart(table, 'rest_for_one', 'b');
 * // children a, b, c, d (b crashed): { stop: ['d', 'c'], start: ['b', 'c', 'd'] }
 * ```
 *
 * - `one_for_one`: only the failed child starts again.
 * - `one_for_all`: every other child with a running incarnation is stopped,
 *   in reverse start order; then all of them start again in start order.
 * - `rest_for_one`: the same for the failed child and those started after it.
 *
 * A `temporary` bystander is stopped but never started again (OTP
 * `temporary_bystander`); a child that was stopped (terminated, or a
 * transient one that finished) is started again with the others, as OTP's
 * `one_for_all` does. A child that other stop work is already stopping
 * (`terminateChild`, an earlier restart) is left to that work.
 */
import type { ChildTable } from './childTable.js';
import type { Strategy } from './types.js';

export interface RestartPlan {
  /** To stop first, one at a time, in this order (reverse start order). */
  stop: string[];
  /** Then to start, in this order (start order). */
  start: string[];
}

export function planRestart(table: ChildTable, strategy: Strategy, failedId: string): RestartPlan {
  if (strategy === 'one_for_one') return { stop: [], start: [failedId] };
  const order = table.inStartOrder();
  const from = strategy === 'one_for_all' ? 0 : order.findIndex((r) => r.spec.id === failedId);
  const affected = order.slice(Math.max(0, from));
  const stop: string[] = [];
  const start: string[] = [];
  for (const record of affected) {
    const { id } = record.spec;
    if (id === failedId) {
      start.push(id);
      continue;
    }
    // Already being stopped by other stop work (terminated, or an earlier
    // restart that will start it again): left to that work.
    if (record.stopping) continue;
    if (record.incarnation !== undefined) stop.push(id);
    if (record.spec.restart !== 'temporary') start.push(id);
  }
  return { stop: stop.reverse(), start };
}
