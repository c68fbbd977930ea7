/**
 * A journal file as `xstate-otp sessions` shows it, read without opening it
 * (see `readJournal`): safe to run while a host is writing to the journal.
 *
 * ```ts
 * const snapshot = await readJournalSnapshot('.xstate-otp/journal.jsonl');
 * snapshot.sessions;   // one row per session, in created order
 * snapshot.holder;     // { pid } while a live host holds the journal
 * snapshot.tornBytes;  // > 0: a torn last line, not shown
 * ```
 *
 * A session without a terminal record is still running when a live process
 * holds the lock (`state` from its records: `starting` or `running`);
 * otherwise its host is gone and the next manager to open the journal will
 * record it as `interrupted`, which is what the row says, flagged
 * `pending: true`; a durable one it resumes instead, so its row keeps its
 * last state (`running*`). Journal errors become `CliError`s with CLI advice.
 */
import { JournalError } from '../ground/errors.js';
import { readJournal, replayJournal } from '../journal/index.js';
import { type SessionView, viewOfSummary } from '../session/view.js';
import { journalFailure } from './journalErrors.js';

/** A session as the journal tells it: the dashboard's view without live children. */
export type SessionRow = Omit<SessionView, 'children' | 'workspace'> & {
  /** No terminal record yet and no live host: the next open records it `interrupted` (or resumes it, when durable). */
  pending?: true;
};

export interface JournalSnapshot {
  path: string;
  sessions: SessionRow[];
  /** The live process holding the journal's lock, if any. */
  holder: { pid: number } | undefined;
  /** Length of a torn last line (a crash mid-write) that was skipped; 0 when none. */
  tornBytes: number;
}

export async function readJournalSnapshot(path: string): Promise<JournalSnapshot> {
  let reading: Awaited<ReturnType<typeof readJournal>>;
  try {
    reading = await readJournal(path);
  } catch (error) {
    if (error instanceof JournalError) throw journalFailure(error);
    throw error;
  }
  const holder = reading.holder?.live ? { pid: reading.holder.pid } : undefined;
  const sessions = replayJournal(reading.records).sessions.map((summary): SessionRow => {
    const { children: _children, workspace: _workspace, ...view } = viewOfSummary(summary);
    if (summary.terminal || holder) return view;
    // A durable one is resumed by the next run (with its type): it keeps its state.
    return { ...view, state: summary.durable ? view.state : 'interrupted', pending: true };
  });
  return { path: reading.path, sessions, holder, tornBytes: reading.torn?.bytes ?? 0 };
}
