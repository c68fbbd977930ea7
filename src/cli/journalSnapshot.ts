/**
 * Reading a journal file without opening it: what `xstate-otp sessions`
 * shows, safe to run while a host is writing to the journal.
 *
 * ```ts
 * const snapshot = await readJournalSnapshot('.xstate-otp/journal.jsonl');
 * snapshot.sessions;   // one row per session, in created order
 * snapshot.holder;     // { pid } while a live host holds the journal
 * ```
 *
 * It never takes the journal's lock and never writes: it reads the bytes,
 * parses them with the journal's own rules (a torn last line is ignored, as
 * the next `open()` would cut it; any other bad line is corruption) and folds
 * them with `replayJournal`. A session without a terminal record is still
 * running when a live process holds the lock (`state` from its records:
 * `starting` or `running`); otherwise its host is gone and the next manager
 * to open the journal will record it as `interrupted`, which is what the row
 * says, flagged `pending: true`.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { replayJournal } from '../journal/index.js';
import { parseJournal } from '../journal/parse.js';
import type { SessionView } from '../manager/dashboardStore.js';
import { isProcessAlive } from '../process/procfs.js';
import { CliError } from './errors.js';

/** A session as the journal tells it: the dashboard's view without live children. */
export type SessionRow = Omit<SessionView, 'children' | 'workspace'> & {
  /** No terminal record yet and no live host: the next open records it `interrupted`. */
  pending?: true;
};

export interface JournalSnapshot {
  path: string;
  sessions: SessionRow[];
  /** The live process holding the journal's lock, if any. */
  holder: { pid: number } | undefined;
  /** A torn last line (a crash mid-write) was skipped. */
  tornTail: boolean;
}

const errno = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

async function readHolder(journalPath: string): Promise<{ pid: number } | undefined> {
  let text: string;
  try {
    text = await readFile(`${journalPath}.lock`, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return isProcessAlive(pid) ? { pid } : undefined;
}

export async function readJournalSnapshot(path: string): Promise<JournalSnapshot> {
  const absolute = resolve(path);
  let data: Buffer;
  try {
    data = await readFile(absolute);
  } catch (error) {
    if (errno(error) === 'ENOENT') throw new CliError(`no journal at ${absolute}`);
    if (errno(error) === 'EISDIR') throw new CliError(`${absolute} is a directory, not a journal`);
    throw new CliError(`cannot read the journal ${absolute}: ${(error as Error).message}`);
  }
  const parsed = parseJournal(data);
  if (!parsed.ok) {
    throw new CliError(`journal ${absolute} is corrupt at line ${parsed.line}: ${parsed.problem}`);
  }
  const holder = await readHolder(absolute);
  const sessions = replayJournal(parsed.records).sessions.map((summary): SessionRow => {
    const terminal = summary.terminal;
    const open = holder
      ? summary.startedAt === undefined
        ? 'starting'
        : 'running'
      : 'interrupted';
    // Keys in reading order: they are also the `--json` output.
    return {
      id: summary.sessionId,
      state: terminal ? terminal.outcome : open,
      ...(terminal ? { outcome: terminal.outcome } : {}),
      ...(terminal?.reason === undefined ? {} : { reason: terminal.reason }),
      createdAt: summary.createdAt,
      ...(summary.startedAt === undefined ? {} : { startedAt: summary.startedAt }),
      ...(terminal ? { endedAt: terminal.endedAt } : {}),
      restarts: terminal?.restarts ?? 0,
      ...(summary.metadata === undefined ? {} : { metadata: summary.metadata }),
      ...(terminal || holder ? {} : { pending: true as const }),
    };
  });
  // Bytes past the last kept line that are not just blank lines: a torn write.
  const tornTail = data.subarray(parsed.keepBytes).toString('utf8').trim() !== '';
  return { path: absolute, sessions, holder, tornTail };
}
