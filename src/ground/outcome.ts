/**
 * How a session ends: the shared vocabulary of the session machine, the
 * manager, the journals and the CLI.
 *
 * `completed`, `failed`, `cancelled` and `timed_out` are decided by a live
 * session's statechart; `interrupted` is written only by reconciliation, for
 * a session whose host died before it ended.
 */

export type Outcome = 'completed' | 'failed' | 'cancelled' | 'timed_out' | 'interrupted';

export const OUTCOMES: readonly Outcome[] = [
  'completed',
  'failed',
  'cancelled',
  'timed_out',
  'interrupted',
];

/** How a session ended; written exactly once per session. Times are epoch ms. */
export interface TerminalRecord {
  sessionId: string;
  outcome: Outcome;
  reason?: string;
  createdAt: number;
  endedAt: number;
  restarts: number;
  /** The host that owned the session (its manager's `hostId`). */
  host?: string;
  metadata?: Record<string, unknown>;
  /** A durable session's runs: 1, plus one per resume. Absent for other sessions. */
  attempts?: number;
}

/** The `TerminalRecord` a journal's terminal line holds: the line without its `type` and `at`. */
export function terminalRecordOf(
  written: TerminalRecord & { type?: unknown; at?: unknown },
): TerminalRecord {
  const { type: _type, at: _at, ...record } = written;
  return record;
}
