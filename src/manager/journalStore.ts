/**
 * The single-host store: a `SessionStore` over one journal (a file or
 * memory). See `store.ts` for the contract.
 *
 * ```ts
 * const { store, known, leftovers } = await journalStore(createFileJournal(path)).open({
 *   hostId: 'laptop',
 *   now: Date.now,
 * });
 * ```
 *
 * One journal has one writer (its lock), so the manager's own index, built
 * from `known` and kept up to date by the manager, is the whole truth about
 * which ids were used: it decides claims synchronously (`singleWriter`), and
 * `claim` has nothing left to check. There are no other hosts: nothing is
 * ever fenced, nothing is remote, and `locate` finds nothing.
 *
 * `read` and `history` read the journal back rather than keep every ended
 * session in memory: the manager keeps only the newest `retainEnded`.
 * `read` and `records` read one session's records by offset
 * (`journal.readSession`), never the whole file.
 */
import { JournalError, SessionError } from '../ground/errors.js';
import {
  type Journal,
  type JournalRecord,
  randomScope,
  readJournal,
  replayJournal,
  type SessionSummary,
} from '../journal/index.js';
import type { SessionStore, SessionStoreFactory } from './store.js';

/** Every record the journal holds now, read without its lock. */
async function readBack(journal: Journal): Promise<JournalRecord[]> {
  const inMemory = (journal as { records?: () => JournalRecord[] }).records;
  if (typeof inMemory === 'function') return inMemory.call(journal);
  if (journal.path === undefined) {
    throw new JournalError(
      'io',
      'This journal cannot be read back: it has neither a path nor records().',
    );
  }
  return (await readJournal(journal.path)).records;
}

export function journalStore(journal: Journal): SessionStoreFactory {
  return {
    async open({ hostId }) {
      const records = await journal.open();
      const { sessions, unterminated } = replayJournal(records);
      // A journal of someone else's without a scope still gets one, for this run.
      const scope = journal.scope ?? randomScope();
      const summaries = async () => replayJournal(await readBack(journal)).sessions;
      // By offset where the journal can (file and memory journals): never the whole file.
      const sessionRecords = async (sessionId: string) =>
        journal.readSession
          ? journal.readSession(sessionId)
          : (await readBack(journal)).filter((record) => record.sessionId === sessionId);
      const store: SessionStore = {
        hostId,
        scope,
        singleWriter: true,
        // The manager's index has decided (see `singleWriter`): nothing to check here.
        claim: () => Promise.resolve(),
        append: (record) => journal.append(record),
        release: () => Promise.resolve(),
        read: async (sessionId) => replayJournal(await sessionRecords(sessionId)).sessions[0],
        records: sessionRecords,
        history: async ({ limit, before }) => endedNewestFirst(await summaries(), limit, before),
        locate: () => Promise.resolve(undefined),
        request: (_hostId, message) =>
          Promise.reject(
            new SessionError('not_found', `No live session "${message.sessionId}".`, {
              sessionId: message.sessionId,
            }),
          ),
        serve: () => () => {},
        watch: () => () => {},
        close: () => journal.close(),
      };
      return { store, known: sessions, leftovers: unterminated };
    },
  };
}

/** Ended sessions, newest end first (ties: later id first), ending before `before`. */
function endedNewestFirst(
  sessions: readonly SessionSummary[],
  limit: number,
  before: number | undefined,
): SessionSummary[] {
  return sessions
    .filter(
      (s) => s.terminal !== undefined && (before === undefined || s.terminal.endedAt < before),
    )
    .sort(
      (a, b) => b.terminal!.endedAt - a.terminal!.endedAt || (a.sessionId < b.sessionId ? 1 : -1),
    )
    .slice(0, limit);
}
