/**
 * The change feed: every record other hosts append, as it lands, folded
 * into session summaries for `watch` (`{ type: 'session', summary }`).
 *
 * ```ts
 * const feed = startChangeFeed({ link, journal, fromSeq: last + 1, live, isOwnWriter, onSession, onError });
 * await feed.stop();
 * ```
 *
 * One ordered consumer on the journal stream, starting after the snapshot
 * `open` read; delivery is push-like (a pull always waiting), so a record
 * reaches every other host within milliseconds of its acknowledgement. The
 * consumer lives on one node: when an election or a lost node takes it,
 * it is created again from the record after the last one folded in (see
 * consumers.ts), and a record whose fold failed (a read during the
 * election) comes again, so nothing is missed.
 * Records this process wrote are skipped (the manager knows its own
 * sessions; what the sweeper writes it reports itself). Summaries are kept
 * only for sessions that have not ended: memory grows with the live
 * sessions of the cluster, not with its history. A record of a session the
 * feed has not seen begin (created before the snapshot window) makes it
 * read that session from the stream first, so every summary is whole.
 */
import type { SessionSummary } from '../journal/index.js';
import type { ClusterLink } from './connection.js';
import { followStream } from './consumers.js';
import { fromConsumed, type JournalStream, type StreamRecord, writerOf } from './journalStream.js';
import { summarise } from './takeover.js';

const SUMMARISED = new Set(['created', 'started', 'restarts', 'terminal', 'workspace']);

export interface ChangeFeedOptions {
  link: ClusterLink;
  journal: JournalStream;
  /** The first stream sequence to deliver. */
  fromSeq: number;
  /** Records of the sessions live at the snapshot, by session. */
  live: Map<string, StreamRecord[]>;
  isOwnWriter(incarnation: string): boolean;
  onSession(summary: SessionSummary): void;
  onError(error: unknown): void;
}

export interface ChangeFeed {
  stop(): Promise<void>;
}

export function startChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { link, journal, live } = options;

  /** Folds one record in; rejects (and the follower delivers it again) when a read fails. */
  const apply = async (entry: StreamRecord) => {
    const sessionId = entry.record.sessionId;
    let records = live.get(sessionId);
    if (records === undefined) {
      const beginsHere = entry.record.type === 'owner' || entry.record.type === 'created';
      records = beginsHere
        ? []
        : (await journal.readSession(sessionId)).filter((r) => r.seq < entry.seq);
      live.set(sessionId, records);
    }
    if (records.some((r) => r.seq === entry.seq)) return;
    records.push(entry);
    // Other record types change nothing a summary shows.
    if (!SUMMARISED.has(entry.record.type)) return;
    const summary = summarise(records);
    if (summary === undefined) return;
    if (summary.terminal) live.delete(sessionId);
    options.onSession(summary);
  };

  const subjectPrefix = link.names.journalSubject('');
  const follower = followStream(
    link,
    link.names.journalStream,
    { startSeq: options.fromSeq },
    {
      async onMessage(message) {
        const writer = writerOf({ msgId: message.headers?.get('Nats-Msg-Id') ?? '' });
        if (options.isOwnWriter(writer)) {
          // Ours: the manager knows. Only a session the feed follows (one this
          // host took over) needs a look, to be forgotten once it ends.
          if (!live.has(message.subject.slice(subjectPrefix.length))) return;
          const entry = fromConsumed(message);
          if (entry?.record.type === 'terminal') live.delete(entry.record.sessionId);
          return;
        }
        const entry = fromConsumed(message);
        if (entry !== undefined) await apply(entry);
      },
      onError: options.onError,
    },
  );

  return { stop: () => follower.stop() };
}
