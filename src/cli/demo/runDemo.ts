/**
 * `xstate-otp demo`: scripted process sessions with mixed outcomes under a
 * session manager with a file journal, shown as they go.
 *
 * ```ts
 * import { processIo } from '../io.js';
 *
 * const status = await runDemo(processIo(), { journal: '.xstate-otp/journal.jsonl', pace: 0.1 });
 * ```
 *
 * The run:
 * 1. Opens the manager on the journal. That replays it: sessions of earlier
 *    runs are shown, and sessions a previous run left without an outcome
 *    (it was cut short) are recorded as `interrupted` right then. Nothing is
 *    printed before the journal is known to be usable: opened, and on a disk
 *    with room for the run, so a journal that cannot work fails with one
 *    line on stderr and nothing on stdout.
 * 2. Starts the six sessions of `script.ts` as run `run<N>` and shows them:
 *    a live table in a terminal, one line per change otherwise.
 * 3. Once all have ended, checks that no process carrying one of the run's
 *    session markers is left, stops the manager, prints a summary and
 *    returns 0 (1 if an outcome differs from the script).
 *
 * Ctrl-C (SIGINT) cuts the run short on purpose the way a crash would: the
 * demo exits at once without writing outcomes, and the runtime's host-exit
 * hook SIGKILLs every process tree on the way out (see
 * `src/process/hostExit.ts`). The journal keeps the sessions open, so the
 * next run records them as `interrupted`. (An application that wants a
 * graceful Ctrl-C calls `manager.stop()` instead: its sessions end
 * `cancelled`.)
 */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { InspectionEvent } from 'xstate';
import { errorMessage } from '../../ground/errorMessage.js';
import { JournalError } from '../../ground/errors.js';
import { createInspectionFile, type InspectionFile } from '../../inspect/inspectionFile.js';
import { createFileJournal, type FileJournal, type TerminalRecord } from '../../journal/index.js';
import { createSessionManager, type SessionManager } from '../../manager/createSessionManager.js';
import { findMarkedProcesses, SESSION_MARKER_ENV } from '../../process/index.js';
import { hasProcfs } from '../../process/procfs.js';
import { startScenario } from '../../scripted/scenario.js';
import { CliError } from '../errors.js';
import { oneLine } from '../format.js';
import { type CliIo, wantsColor } from '../io.js';
import { journalFailure } from '../journalErrors.js';
import { createPainter } from '../table.js';
import { startDemoDashboard } from './demoDashboard.js';
import { previousRunLines } from './previousRuns.js';
import { type Progress, showProgress } from './progress.js';
import { demoScripts, nextRunName } from './script.js';
import { summaryLines, surprises } from './summary.js';

export interface DemoOptions {
  journal: string;
  inspect?: string | undefined;
  /** Scales every delay of the script (default 1: about five seconds). */
  pace?: number;
  plain?: boolean;
  /** Serve the run on the web dashboard, and keep serving it after the run until Ctrl-C. */
  dashboard?: { port: number; host: string } | undefined;
}

/** What a run writes to the journal is a few KiB; refuse to start with less than this free. */
const MIN_FREE_BYTES = 64 * 1024;

/** Fails on a disk too full for the run, before anything is shown (ENOSPC mid-run can only be reported). */
async function checkFreeSpace(journal: FileJournal): Promise<void> {
  let free: number;
  try {
    const stats = await statfs(dirname(journal.realPath));
    free = stats.bavail * stats.bsize;
  } catch {
    return; // No statfs here: the appends will say it if the disk is full.
  }
  if (free < MIN_FREE_BYTES) {
    throw new CliError(
      `cannot write the journal ${journal.path}: the disk is full (${Math.floor(free / 1024)} KiB free; the demo needs ${MIN_FREE_BYTES / 1024} KiB). Free some space, or pass --journal PATH on another disk, and run the command again`,
    );
  }
}

async function openManager(
  journal: FileJournal,
  inspect: ((event: InspectionEvent) => void) | undefined,
): Promise<SessionManager> {
  let manager: SessionManager;
  try {
    manager = await createSessionManager({ journal, ...(inspect ? { inspect } : {}) });
  } catch (error) {
    if (error instanceof JournalError) throw journalFailure(error);
    throw error;
  }
  try {
    await checkFreeSpace(journal);
  } catch (error) {
    await manager.stop();
    throw error;
  }
  return manager;
}

function openInspection(path: string | undefined): InspectionFile | undefined {
  if (path === undefined) return undefined;
  try {
    return createInspectionFile(resolve(path));
  } catch (error) {
    throw new CliError(
      `cannot write inspection events to ${resolve(path)}: ${oneLine(errorMessage(error))}`,
    );
  }
}

/** Pids still carrying one of the sessions' markers; `undefined` without /proc to look in. */
function leftoverPids(ids: readonly string[]): number[] | undefined {
  if (!hasProcfs) return undefined;
  return ids.flatMap((id) => findMarkedProcesses({ name: SESSION_MARKER_ENV, value: id }));
}

/**
 * Ctrl-C: a crash on purpose. No outcome is written; exiting runs the
 * host-exit hook, which SIGKILLs every process tree, and releases the
 * journal lock. Returns the listener's remover.
 */
function cutShortOnCtrlC(io: CliIo, progress: Progress): () => void {
  const interrupt = () => {
    progress.stop();
    const cut = progress
      .rows()
      .filter((row) => row.outcome === undefined)
      .map((row) => row.id);
    const list = cut.length > 0 ? ` (${cut.join(', ')})` : '';
    io.out.write(
      `\nInterrupted: ${cut.length} session${cut.length === 1 ? '' : 's'} cut short${list}.\n` +
        'Their processes die with the demo; the next run records these sessions as interrupted.\n',
    );
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  return () => process.removeListener('SIGINT', interrupt);
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
  const journal = createFileJournal(journalPath);
  const manager = await openManager(journal, inspect);
  const run = nextRunName(manager.listSessions());
  const scripts = demoScripts(run, options.pace ?? 1);
  const ids = scripts.map((script) => script.id);
  write([
    painter.bold('xstate-otp demo'),
    `Journal: ${journalPath}`,
    ...(journal.stats.tornPath === undefined
      ? []
      : [
          `Its last line was torn (${journal.stats.repairedBytes} bytes without a newline: a crash mid-write); it was moved to ${journal.stats.tornPath}.`,
        ]),
    '',
    ...previousRunLines(manager.listSessions(), openedAt, painter),
    '',
    painter.bold(`Run ${run}: ${scripts.length} process sessions with scripted outcomes.`),
    painter.dim(
      'Ctrl-C cuts the run short: every process dies with the demo, and the next run records the cut sessions as interrupted.',
    ),
    '',
  ]);

  const dashboard = options.dashboard && (await startDemoDashboard(io, manager, options.dashboard));
  const startedAt = Date.now();
  const progress = showProgress(io.out, manager, ids, { live, painter, startedAt });
  const stopListening = cutShortOnCtrlC(io, progress);
  let records: TerminalRecord[];
  try {
    records = await Promise.all(startScenario(manager, scripts).map((session) => session.done));
  } catch (error) {
    // The journal failed (the disk filled up) or a session could not run: no process outlives the demo.
    stopListening();
    progress.stop();
    await manager.stop().catch(() => {});
    await inspection?.close().catch(() => {});
    await dashboard?.close();
    throw error instanceof JournalError ? journalFailure(error) : error;
  }
  stopListening();
  progress.stop();

  // Each session swept its marker when it ended: nothing may carry one now.
  const leftovers = leftoverPids(ids);
  await manager.stop();
  await inspection?.close();

  const report = {
    run,
    scripts,
    records,
    rows: progress.rows(),
    leftovers,
    tookMs: Date.now() - startedAt,
    journalPath,
    tableShown: live,
    inspection: inspection && { path: inspection.path, events: inspectedEvents },
  };
  write(summaryLines(report, painter));
  await dashboard?.holdUntilInterrupted();
  return surprises(report).length === 0 && (leftovers?.length ?? 0) === 0 ? 0 : 1;
}
