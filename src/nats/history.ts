/**
 * Ended sessions from the journal stream, newest end first, without
 * reading the whole stream.
 *
 * ```ts
 * const page = await readHistory(journal, { limit: 50 });
 * const next = await readHistory(journal, { limit: 50, before: page.at(-1)!.terminal!.endedAt });
 * ```
 *
 * The stream is in append order, which is end order give or take the
 * clocks of the hosts. So the reader finds, by binary search on the
 * records' `at`, the point where records stop being older than `before`
 * (plus `CLOCK_SLACK_MS` for hosts whose clocks disagree), then reads
 * backwards from there in chunks until it has `limit` terminal records
 * older than `before` and the chunk it just read is older still than the
 * oldest of them (by the same slack). Cost: a few direct gets for the
 * search, then about `limit` sessions' worth of records.
 */
import type { SessionSummary } from '../journal/index.js';
import type { JournalStream, StreamRecord } from './journalStream.js';
import { summarise } from './takeover.js';

/** How far apart two hosts' clocks may be for `before` to page exactly. */
export const CLOCK_SLACK_MS = 60_000;
const CHUNK = 1000;

/** The last stream sequence whose record's `at` is below `target` (about: `at` is not monotonic). */
async function lastSeqBefore(
  journal: JournalStream,
  first: number,
  last: number,
  target: number,
): Promise<number> {
  let low = first;
  let high = last;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    const entry = await journal.recordAt(middle);
    if (entry === undefined || entry.record.at >= target) high = middle - 1;
    else low = middle;
  }
  return low;
}

export async function readHistory(
  journal: JournalStream,
  query: { limit: number; before?: number },
): Promise<SessionSummary[]> {
  const before = query.before ?? Number.POSITIVE_INFINITY;
  const limit = Math.max(0, Math.floor(query.limit));
  if (limit === 0) return [];
  const { first, last } = await journal.bounds();
  if (last === 0) return [];
  let high =
    before === Number.POSITIVE_INFINITY
      ? last
      : await lastSeqBefore(journal, first, last, before + CLOCK_SLACK_MS);
  const bySession = new Map<string, StreamRecord[]>();
  /** Session -> [endedAt, seq] of its terminal record. */
  const ended = new Map<string, [number, number]>();
  while (high >= first) {
    const low = Math.max(first, high - CHUNK + 1);
    const chunk = await journal.readRange(low, high);
    let oldestAt = Number.POSITIVE_INFINITY;
    for (const entry of chunk) {
      oldestAt = Math.min(oldestAt, entry.record.at);
      const id = entry.record.sessionId;
      const list = bySession.get(id) ?? [];
      list.push(entry);
      bySession.set(id, list);
      if (entry.record.type === 'terminal') {
        const endedAt = (entry.record as { endedAt?: number }).endedAt ?? entry.record.at;
        if (endedAt < before && !ended.has(id)) ended.set(id, [endedAt, entry.seq]);
      }
    }
    high = low - 1;
    if (ended.size >= limit) {
      const kth = [...ended.values()].map(([at]) => at).sort((a, b) => b - a)[limit - 1]!;
      if (oldestAt < kth - CLOCK_SLACK_MS) break;
    }
  }
  return (
    [...ended.entries()]
      // Newest end first; the same ms: the later append first.
      .sort((a, b) => b[1][0] - a[1][0] || b[1][1] - a[1][1])
      .slice(0, limit)
      .map(([id]) => {
        const records = bySession.get(id)!.sort((a, b) => a.seq - b.seq);
        return summarise(records)!;
      })
  );
}
