/**
 * Reading and writing the journal stream: one subject per session
 * (`<prefix>.journal.<id>`), one JSON journal record per message.
 *
 * ```ts
 * const journal = journalStream(link, 10_000);
 * const ack = await journal.append(record, { lastSubjectSequence: 7, msgID }); // fenced on seq 7
 * const last = await journal.last('a-1');        // from the stream leader: what fencing decides on
 * const records = await journal.readSession('a-1');
 * const tail = await journal.readRange(9001, 10_000);
 * ```
 *
 * Every message carries a `Nats-Msg-Id` of the form `<incarnation>:...`:
 * the writer's incarnation, which the change feed uses to skip what this
 * host wrote itself. A message that is not a valid journal record (another
 * program publishing under the prefix) is skipped by every reader.
 */
import { DeliverPolicy, type JsMsg, type PubAck, type StoredMsg } from '@nats-io/jetstream';
import type { JournalRecord } from '../journal/index.js';
import { encodeRecord, recordProblem } from '../journal/records.js';
import type { ClusterLink } from './connection.js';
import { readToEnd } from './consumers.js';
import { publishExpecting, withRetries } from './natsCalls.js';

export interface StreamRecord {
  seq: number;
  record: JournalRecord;
  /** The `Nats-Msg-Id` it was written with ('' when none). */
  msgId: string;
}

export interface JournalStream {
  /** Validates (`JournalError('corrupt')`) and appends, fenced on the subject's last sequence. */
  append(
    record: JournalRecord,
    fence: { lastSubjectSequence: number; msgID: string },
  ): Promise<PubAck>;
  /**
   * The session's last message, read from the stream leader (what fencing
   * decides on); `undefined` when it has none. `record` is `undefined` for a
   * message that is not a journal record.
   */
  last(sessionId: string): Promise<LastMessage | undefined>;
  /** Every record of one session, oldest first. */
  readSession(sessionId: string): Promise<StreamRecord[]>;
  /** Records with stream sequences in [from, to], oldest first. */
  readRange(from: number, to: number): Promise<StreamRecord[]>;
  /** The first record at or after stream sequence `seq`, any session. */
  recordAt(seq: number): Promise<StreamRecord | undefined>;
  /** The stream's first and last sequence (0, 0 when empty). */
  bounds(): Promise<{ first: number; last: number }>;
}

export interface LastMessage {
  seq: number;
  record: JournalRecord | undefined;
  msgId: string;
}

const MSG_ID = 'Nats-Msg-Id';

function parseRecord(data: Uint8Array): JournalRecord | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(data));
    return recordProblem(value) === undefined ? (value as JournalRecord) : undefined;
  } catch {
    return undefined;
  }
}

function fromStored(message: StoredMsg): StreamRecord | undefined {
  const record = parseRecord(message.data);
  return record && { seq: message.seq, record, msgId: message.header?.get(MSG_ID) ?? '' };
}

/** A consumed message as a journal record, or `undefined` when it is not one. */
export function fromConsumed(message: JsMsg): StreamRecord | undefined {
  const record = parseRecord(message.data);
  return record && { seq: message.seq, record, msgId: message.headers?.get(MSG_ID) ?? '' };
}

/** The incarnation that wrote a record, from its message id. */
export function writerOf(entry: { msgId: string }): string {
  const colon = entry.msgId.indexOf(':');
  return colon < 0 ? '' : entry.msgId.slice(0, colon);
}

/**
 * The first attempt of a read through a consumer: creating one takes a few
 * ms; one placed on a node that just died never answers, so the sooner the
 * next attempt places it again, the better (later attempts wait longer).
 */
export const CONSUMER_ATTEMPT_MS = 500;

export function journalStream(link: ClusterLink, timeoutMs: number): JournalStream {
  const { names } = link;
  const stream = names.journalStream;

  const readSession = (sessionId: string) =>
    withRetries(`read session ${sessionId}`, timeoutMs, async (timeout) => {
      const subject = names.journalSubject(sessionId);
      if (!link.directReads) {
        // Without direct gets, one consumer reads the subject.
        return readWith({ filter_subjects: subject, deliver_policy: DeliverPolicy.All }, timeout);
      }
      // Direct gets: any replica answers, so an election of the stream's
      // leader does not stop them; one sent to a node that just died is
      // retried, a short timeout later, on a live one.
      const { jsm } = await link.api(timeout);
      const out: StreamRecord[] = [];
      for (let seq = 1; ; ) {
        const message = await jsm.direct.getMessage(stream, { next_by_subj: subject, seq });
        if (!message) return out;
        const entry = fromStored(message);
        if (entry) out.push(entry);
        seq = message.seq + 1;
      }
    });

  const readWith = async (
    config: Parameters<typeof readToEnd>[2],
    attemptMs: number,
    until?: number,
  ): Promise<StreamRecord[]> => {
    const messages = await readToEnd(link, stream, config, {
      attemptMs,
      ...(until === undefined ? {} : { until }),
    });
    return messages.flatMap((message) => fromConsumed(message) ?? []);
  };

  return {
    append: (record, fence) => {
      const { line } = encodeRecord(record, `nats:${stream}`);
      return publishExpecting(link, names.journalSubject(record.sessionId), line.slice(0, -1), {
        ...fence,
        stream,
        budgetMs: timeoutMs,
      });
    },
    last: (sessionId) =>
      withRetries(`last record of ${sessionId}`, timeoutMs, async (timeout) => {
        const { jsm } = await link.api(timeout);
        const message = await jsm.streams.getMessage(stream, {
          last_by_subj: names.journalSubject(sessionId),
        });
        if (!message) return undefined;
        const msgId = message.header?.get(MSG_ID) ?? '';
        return { seq: message.seq, record: parseRecord(message.data), msgId };
      }),
    readSession,
    readRange: (from, to) =>
      from > to
        ? Promise.resolve([])
        : withRetries(
            `read ${stream} ${from}..${to}`,
            timeoutMs,
            (timeout) => readWith({ opt_start_seq: from }, timeout, to),
            CONSUMER_ATTEMPT_MS,
          ),
    recordAt: (seq) =>
      withRetries(`read ${stream} at ${seq}`, timeoutMs, async (timeout) => {
        const { jsm } = await link.api(timeout);
        const message = link.directReads
          ? await jsm.direct.getMessage(stream, { next_by_subj: names.journalSubjects, seq })
          : await jsm.streams.getMessage(stream, { seq });
        return message ? fromStored(message) : undefined;
      }),
    bounds: () =>
      withRetries(`${stream} info`, timeoutMs, async (timeout) => {
        const { jsm } = await link.api(timeout);
        const { state } = await jsm.streams.info(stream);
        return { first: state.messages === 0 ? 0 : state.first_seq, last: state.last_seq };
      }),
  };
}
