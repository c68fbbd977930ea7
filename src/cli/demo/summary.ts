/**
 * The demo's closing lines: outcome counts, whether every outcome is the
 * scripted one, whether any process outlived its session, where the journal
 * is.
 */

import type { TerminalRecord } from '../../journal/index.js';
import type { SessionView } from '../../manager/dashboardStore.js';
import { EXPECTED_OUTCOME, type ScriptedSession } from '../../scripted/scenario.js';
import { formatDuration } from '../format.js';
import { commandHint } from '../invocation.js';
import { countLine, reasonLines, sessionTableLines } from '../sessionTable.js';
import type { Painter } from '../table.js';

/** The live table's REASON width. */
export const LIVE_REASON_WIDTH = 48;

export interface RunReport {
  run: string;
  scripts: readonly ScriptedSession[];
  records: readonly TerminalRecord[];
  rows: readonly SessionView[];
  /** Pids still carrying a session marker of the run; `undefined` where that cannot be checked. */
  leftovers: readonly number[] | undefined;
  tookMs: number;
  journalPath: string;
  /** The table was on screen already (live view). */
  tableShown: boolean;
  inspection?: { path: string; events: number } | undefined;
}

/** `${id} ${outcome} (expected ${expected})` for every outcome that is not the scripted one. */
export function surprises(report: Pick<RunReport, 'scripts' | 'records'>): string[] {
  return report.scripts.flatMap((script, i) => {
    const expected = EXPECTED_OUTCOME[script.outcome];
    const outcome = report.records[i]?.outcome;
    return outcome === expected ? [] : [`${script.id} ${outcome} (expected ${expected})`];
  });
}

export function summaryLines(report: RunReport, painter: Painter): string[] {
  const lines = [
    '',
    painter.bold(
      `Run ${report.run} finished in ${formatDuration(report.tookMs)}: ${countLine(report.rows)}.`,
    ),
  ];
  // The live table cut reasons at 48 characters, the plain one at 90: either way, whole below it.
  const reasonWidth = report.tableShown ? LIVE_REASON_WIDTH : 90;
  if (!report.tableShown) {
    lines.push(
      ...sessionTableLines(report.rows, {
        now: Date.now(),
        painter,
        columns: ['id', 'what', 'state', 'restarts', 'duration', 'reason'],
        reasonWidth,
      }).map((line) => `  ${line}`),
    );
  }
  lines.push(...reasonLines(report.rows, { reasonWidth }).map((line) => `  ${line}`));
  const unexpected = surprises(report);
  lines.push(
    unexpected.length === 0
      ? 'Every outcome is the scripted one.'
      : painter.red(`Unexpected outcomes: ${unexpected.join(', ')}.`),
    report.leftovers === undefined
      ? 'Leftover processes not checked: that needs /proc (Linux).'
      : report.leftovers.length === 0
        ? 'No process left behind: none carries a session marker of this run.'
        : painter.red(`Processes left behind: ${report.leftovers.join(', ')}.`),
    `Journal: ${report.journalPath}`,
    `  ${commandHint(['sessions', '--journal', report.journalPath])}`,
    '  lists every run; run the demo again to see this one from the journal.',
  );
  if (report.inspection) {
    lines.push(
      `Inspection: ${report.inspection.events} events written to ${report.inspection.path}`,
    );
  }
  return lines;
}
