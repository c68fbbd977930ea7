/**
 * `xstate-otp demo`: scripted process sessions with mixed outcomes under a
 * session manager with a file journal, shown as they go.
 *
 * ```ts
 * const status = await runDemo(processIo(), { journal: '.xstate-otp/journal.jsonl', fast: true });
 * ```
 *
 * The run:
 * 1. Opens the manager on the journal. That replays it: sessions of earlier
 *    runs are shown, and sessions a previous run left without an outcome
 *    (it was cut short) are recorded as `interrupted` right then.
 * 2. Starts the six sessions of `script.ts` as run `run<N>` and shows them:
 *    a live table in a terminal, one line per change otherwise.
 * 3. Once all have ended, checks that no process carrying one of the run's
 *    session markers is left, stops the manager, prints a summary and
 *    returns 0 (1 if an outcome differs from the script).
 *
 * Ctrl-C (SIGINT) cuts the run short on purpose the way a crash would: the
 * demo exits at once without writing outcomes, and the runtime's host-exit
 * hook SIGKILLs every process tree on the way out (see
 * `src/actors/hostExit.ts`). The journal keeps the sessions open, so the
 * next run records them as `interrupted`. (An application that wants a
 * graceful Ctrl-C calls `manager.stop()` instead: its sessions end
 * `cancelled`.)
 */
import { resolve } from 'node:path';
import type { InspectionEvent } from 'xstate';
import { findMarkedProcesses, SESSION_MARKER_ENV } from '../../actors/processTree.js';
import type { SessionView } from '../../dashboard/dashboard.js';
import { JournalError } from '../../errors.js';
import { createInspectionFile, type InspectionFile } from '../../inspect/inspectionFile.js';
import type { TerminalRecord } from '../../journal/index.js';
import { createSessionManager, type SessionManager } from '../../manager/sessionManager.js';
import { EXPECTED_OUTCOME, startScenario } from '../../testing/scenario.js';
import { CliError } from '../errors.js';
import { formatDuration, oneLine } from '../format.js';
import { type CliIo, wantsColor } from '../io.js';
import { countLine } from '../sessionsCommand.js';
import { sessionTableLines } from '../sessionTable.js';
import { createPainter, type Painter } from '../table.js';
import { createLiveView } from './liveView.js';
import { createPlainLog } from './plainLog.js';
import { demoScripts, nextRunName } from './script.js';

export interface DemoOptions {
  journal: string;
  inspect?: string | undefined;
  fast?: boolean;
  plain?: boolean;
}

/** How many sessions of earlier runs the opening table shows. */
const PREVIOUS_ROWS = 12;

async function openManager(
  journalPath: string,
  inspect: ((event: InspectionEvent) => void) | undefined,
) {
  try {
    return await createSessionManager({ journal: journalPath, ...(inspect ? { inspect } : {}) });
  } catch (error) {
    if (error instanceof JournalError) throw new CliError(oneLine(error.message));
    throw error;
  }
}

function previousRunLines(manager: SessionManager, openedAt: number, painter: Painter): string[] {
  const rows = manager.listSessions();
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

function openInspection(path: string | undefined): InspectionFile | undefined {
  if (path === undefined) return undefined;
  try {
    return createInspectionFile(resolve(path));
  } catch (error) {
    throw new CliError(
      `cannot write inspection events to ${resolve(path)}: ${oneLine((error as Error).message)}`,
    );
  }
}

function leftoverPids(ids: readonly string[]): number[] {
  return ids.flatMap((id) => findMarkedProcesses({ name: SESSION_MARKER_ENV, value: id }));
}

export async function runDemo(io: CliIo, options: DemoOptions): Promise<number> {
  const journalPath = resolve(options.journal);
  const painter = createPainter(wantsColor(io));
  const live = io.out.isTTY === true && !options.plain;
  const write = (lines: string[]) => io.out.write(`${lines.join('\n')}\n`);

  const inspection = openInspection(options.inspect);
  let inspectedEvents = 0;
  const inspect =
    inspection &&
    ((event: InspectionEvent) => {
      inspectedEvents += 1;
      inspection.inspect(event);
    });

  const openedAt = Date.now();
  const manager = await openManager(journalPath, inspect);
  write([
    painter.bold('xstate-otp demo'),
    `Journal: ${journalPath}`,
    '',
    ...previousRunLines(manager, openedAt, painter),
    '',
  ]);

  const run = nextRunName(manager.listSessions());
  const scripts = demoScripts(run, options.fast ? 0.1 : 1);
  const ids = scripts.map((script) => script.id);
  const idWidth = Math.max(...ids.map((id) => id.length));
  write([
    painter.bold(`Run ${run}: ${scripts.length} process sessions with scripted outcomes.`),
    painter.dim(
      'Ctrl-C cuts the run short: every process dies with the demo, and the next run records the cut sessions as interrupted.',
    ),
    '',
  ]);

  const startedAt = Date.now();
  const rowsOfRun = () =>
    ids.map((id) => manager.getSession(id)).filter((row): row is SessionView => row !== undefined);
  const ended = (row: SessionView) => row.outcome !== undefined;

  const view = live
    ? createLiveView(io.out, () => {
        const rows = rowsOfRun();
        const done = rows.filter(ended).length;
        return [
          ...sessionTableLines(rows, {
            now: Date.now(),
            painter,
            columns: ['id', 'what', 'state', 'restarts', 'duration', 'reason'],
            reasonWidth: 48,
          }),
          painter.dim(
            `${rows.length - done} running, ${done} ended, ${formatDuration(Date.now() - startedAt)}`,
          ),
        ];
      })
    : undefined;
  const log = live ? undefined : createPlainLog(io.out, startedAt, idWidth);
  const seen = new Map<string, SessionView>();
  const unsubscribe = manager.dashboard.subscribe(() => {
    if (view) {
      view.request();
      return;
    }
    for (const row of rowsOfRun()) {
      if (seen.get(row.id) === row) continue;
      seen.set(row.id, row);
      log?.update(row);
    }
  });

  const interrupt = () => {
    view?.stop();
    const cut = rowsOfRun()
      .filter((row) => !ended(row))
      .map((row) => row.id);
    write([
      '',
      `Interrupted: ${cut.length} session${cut.length === 1 ? '' : 's'} cut short${cut.length > 0 ? ` (${cut.join(', ')})` : ''}.`,
      'Their processes die with the demo; the next run records these sessions as interrupted.',
    ]);
    // A crash on purpose: no outcome is written. Exiting runs the host-exit
    // hook, which SIGKILLs every process tree, and releases the journal lock.
    process.exit(130);
  };
  process.once('SIGINT', interrupt);

  let records: TerminalRecord[];
  try {
    records = await Promise.all(startScenario(manager, scripts).map((session) => session.done));
  } finally {
    process.removeListener('SIGINT', interrupt);
    unsubscribe.unsubscribe();
    view?.stop();
  }

  const leftovers = leftoverPids(ids);
  await manager.stop();
  await inspection?.close();

  const rows = rowsOfRun();
  const surprises = scripts.flatMap((script, i) => {
    const expected = EXPECTED_OUTCOME[script.outcome];
    const outcome = records[i]?.outcome;
    return outcome === expected ? [] : [`${script.id} ${outcome} (expected ${expected})`];
  });
  const summary = [
    '',
    painter.bold(
      `Run ${run} finished in ${formatDuration(Date.now() - startedAt)}: ${countLine(rows)}.`,
    ),
  ];
  if (!live) {
    summary.push(
      ...sessionTableLines(rows, {
        now: Date.now(),
        painter,
        columns: ['id', 'what', 'state', 'restarts', 'duration', 'reason'],
        reasonWidth: 90,
      }).map((line) => `  ${line}`),
    );
  }
  summary.push(
    surprises.length === 0
      ? 'Every outcome is the scripted one.'
      : painter.red(`Unexpected outcomes: ${surprises.join(', ')}.`),
    leftovers.length === 0
      ? 'No process left behind: none carries a session marker of this run.'
      : painter.red(`Processes left behind: ${leftovers.join(', ')}.`),
    `Journal: ${journalPath}`,
    `  xstate-otp sessions --journal ${journalPath}   lists every run; run the demo again to see this one from the journal.`,
  );
  if (inspection)
    summary.push(`Inspection: ${inspectedEvents} events written to ${inspection.path}`);
  write(summary);
  return surprises.length === 0 && leftovers.length === 0 ? 0 : 1;
}
