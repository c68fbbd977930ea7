/**
 * What a host learns of the cluster when it opens: `OpenedStore.known`,
 * and the records of every live session, which the change feed continues.
 *
 * ```ts
 * const { known, live, lastSeq } = await readSnapshot(journal, await owners.scan());
 * // the change feed starts at lastSeq + 1
 * ```
 *
 * Bounded by design: `known` holds every live session (an owner key says
 * it is live) and every session with records among the stream's last
 * `SNAPSHOT_RECORDS` records, about 10,000 sessions at five records each.
 * Older ended sessions stay in the stream, where `read(id)` and `history`
 * find them, and their ids stay used (a claim checks the stream). A live
 * session whose first record lies before that window is read whole from
 * its subject, so no summary is missing its beginning; every session's
 * first record is the `owner` record its claim wrote.
 */
import type { SessionSummary } from '../journal/index.js';
import type { JournalStream, StreamRecord } from './journalStream.js';
import type { OwnerEntry } from './owners.js';
import { summarise } from './takeover.js';

export const SNAPSHOT_RECORDS = 50_000;

export interface Snapshot {
  known: SessionSummary[];
  /** Records of the sessions without a terminal record, for the change feed. */
  live: Map<string, StreamRecord[]>;
  /** The stream's last sequence when it was read. */
  lastSeq: number;
}

export async function readSnapshot(
  journal: JournalStream,
  owners: readonly OwnerEntry[],
  window = SNAPSHOT_RECORDS,
): Promise<Snapshot> {
  const { first, last } = await journal.bounds();
  const records =
    last === 0 ? [] : await journal.readRange(Math.max(first, last - window + 1), last);
  const bySession = new Map<string, StreamRecord[]>();
  for (const entry of records) {
    const list = bySession.get(entry.record.sessionId);
    if (list) list.push(entry);
    else bySession.set(entry.record.sessionId, [entry]);
  }
  const ownerOf = new Map(owners.map((entry) => [entry.sessionId, entry]));
  for (const entry of owners) {
    const list = bySession.get(entry.sessionId);
    if (list === undefined || list[0]!.record.type !== 'owner') {
      const whole = (await journal.readSession(entry.sessionId)).filter((r) => r.seq <= last);
      bySession.set(entry.sessionId, whole);
    }
  }
  const known: SessionSummary[] = [];
  const live = new Map<string, StreamRecord[]>();
  for (const [sessionId, list] of bySession) {
    const summary = summarise(list, ownerOf.get(sessionId)?.value, sessionId);
    if (summary === undefined) continue;
    known.push(summary);
    if (!summary.terminal) live.set(sessionId, list);
  }
  known.sort((a, b) => a.createdAt - b.createdAt || (a.sessionId < b.sessionId ? -1 : 1));
  return { known, live, lastSeq: last };
}
