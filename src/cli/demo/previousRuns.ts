/**
 * The demo's opening: what the journal already holds, from earlier runs.
 *
 * ```
 * From the journal: 6 sessions: 6 interrupted.
 *   SESSION      STATE        RESTARTS  CREATED              DURATION
 *   run1-build   interrupted         0  2025-01-02 03:04:05         -
 * 6 of them (run1-build, …) had no outcome: their run was cut short, so this start recorded them as interrupted.
 * ```
 *
 * Sessions recorded `interrupted` by this very start (reconciliation ran
 * when the manager opened the journal) are those with `endedAt >= openedAt`.
 */
import type { SessionView } from '../../manager/dashboardStore.js';
import { countLine, sessionTableLines } from '../sessionTable.js';
import type { Painter } from '../table.js';

/** How many sessions of earlier runs the opening table shows. */
export const PREVIOUS_ROWS = 12;

export function previousRunLines(
  rows: readonly SessionView[],
  openedAt: number,
  painter: Painter,
): string[] {
  if (rows.length === 0) return ['The journal is empty: this is the first run.'];
  const shown = rows.slice(-PREVIOUS_ROWS);
  const lines = [
    painter.bold(`From the journal: ${countLine(rows)}.`),
    ...sessionTableLines(shown, {
      now: Date.now(),
      painter,
      columns: ['id', 'state', 'restarts', 'created', 'duration'],
    }).map((line) => `  ${line}`),
  ];
  if (rows.length > shown.length) {
    lines.push(`  … and ${rows.length - shown.length} earlier sessions.`);
  }
  const reconciled = rows.filter(
    (row) => row.outcome === 'interrupted' && (row.endedAt ?? 0) >= openedAt,
  );
  if (reconciled.length > 0) {
    lines.push(
      `${reconciled.length} of them (${reconciled.map((row) => row.id).join(', ')}) had no outcome: their run was cut short, so this start recorded them as interrupted.`,
    );
  }
  return lines;
}
