/**
 * The demo's output when it is not a terminal: one line per change.
 *
 * ```
 *   0.00s  run2-flaky   running      exits 3 each time; 2 restarts allowed
 *   0.93s  run2-flaky   restart 1
 *   2.81s  run2-flaky   failed       after 2.8s, 2 restarts: restart limit reached: agent exited with code 3 after 903 ms
 * ```
 */
import type { SessionView } from '../../manager/dashboardStore.js';
import { formatDuration, shortReason } from '../format.js';
import type { Output } from '../io.js';
import { scriptOf } from '../sessionTable.js';

export interface PlainLog {
  /** Prints what changed since the session's previous row, if anything worth a line. */
  update(row: SessionView): void;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'timed_out', 'interrupted']);

export function createPlainLog(out: Output, startedAt: number, idWidth: number): PlainLog {
  const last = new Map<string, SessionView>();
  const line = (row: SessionView, text: string) => {
    const elapsed = `${((Date.now() - startedAt) / 1000).toFixed(2)}s`.padStart(8);
    out.write(`${elapsed}  ${row.id.padEnd(idWidth)}  ${text}\n`);
  };
  return {
    update(row) {
      const before = last.get(row.id);
      last.set(row.id, row);
      if (before && row.restarts > before.restarts && !TERMINAL.has(row.state)) {
        line(row, `restart ${row.restarts}`);
      }
      if (before?.state === row.state) return;
      if (TERMINAL.has(row.state)) {
        const took = formatDuration((row.endedAt ?? Date.now()) - row.createdAt);
        const restarts = `${row.restarts} restart${row.restarts === 1 ? '' : 's'}`;
        const reason = row.reason ? `: ${shortReason(row.reason)}` : '';
        line(row, `${row.state.padEnd(11)}  after ${took}, ${restarts}${reason}`);
      } else {
        const what = before ? '' : scriptOf(row);
        line(row, `${row.state.padEnd(11)}  ${what}`.trimEnd());
      }
    },
  };
}
