/**
 * The keep policy: whether a workspace outlives its session, decided by the
 * session's outcome.
 *
 * ```ts
 * keepsWorkspace('on_failure', 'failed');    // true: look at what the agent did
 * keepsWorkspace('on_failure', 'completed'); // false
 * keepsWorkspace('always', 'cancelled');     // true
 * ```
 *
 * `on_failure` (the default) keeps the workspace of a session that went
 * wrong: `failed`, `timed_out`, or `interrupted` (its host died). A session
 * that completed or was cancelled on purpose has nothing left to inspect.
 */
import type { Outcome } from '../journal/index.js';
import type { KeepPolicy } from './types.js';

export const KEEP_POLICIES: readonly KeepPolicy[] = ['never', 'on_failure', 'always'];

export const DEFAULT_KEEP_POLICY: KeepPolicy = 'on_failure';

const FAILURES: ReadonlySet<Outcome> = new Set(['failed', 'timed_out', 'interrupted']);

export function keepsWorkspace(keep: KeepPolicy, outcome: Outcome): boolean {
  switch (keep) {
    case 'always':
      return true;
    case 'never':
      return false;
    default:
      return FAILURES.has(outcome);
  }
}
