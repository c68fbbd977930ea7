/**
 * The owners bucket: one key per live session, `{ host, incarnation,
 * epoch, createdAt }`. Its KV revision is the fencing token: every change of
 * owner is a compare-and-set on it, so exactly one host wins each claim and
 * each takeover.
 *
 * ```ts
 * const owners = ownersBucket(link, () => `inc-7:${n++}`, 10_000);
 * const rev = await owners.claim('a-1', { host: 'w1', incarnation: 'inc-7', epoch: 1, createdAt });
 * //  -> undefined when the key exists (someone owns it)
 * const taken = await owners.take('a-1', rev!, { ...value, host: 'w2', epoch: 2 }); // CAS
 * await owners.release('a-1', taken!);  // removes that revision only
 * ```
 *
 * `release` deletes the message of that revision instead of writing a KV
 * delete marker: the bucket then holds live sessions only, not a marker per
 * session ever run, and a release never removes a newer owner's entry.
 * Whether an id was *ever* used is the journal's business (its subject has
 * messages), not this bucket's.
 */
import { DeliverPolicy } from '@nats-io/jetstream';
import { nanoid } from 'nanoid';
import type { ClusterLink } from './connection.js';
import { isWrongLastSequence, publishExpecting, withRetries } from './natsCalls.js';

export interface OwnerValue {
  host: string;
  incarnation: string;
  /** 1 for the first owner, +1 at every takeover. */
  epoch: number;
  createdAt: number;
  /** The host a takeover took the session from. */
  from?: string;
}

export interface OwnerEntry {
  sessionId: string;
  revision: number;
  value: OwnerValue;
}

export interface OwnersBucket {
  /** Create-if-absent; `undefined` when the key exists. */
  claim(sessionId: string, value: OwnerValue): Promise<number | undefined>;
  /** Compare-and-set from `revision`; `undefined` when someone changed it first. */
  take(sessionId: string, revision: number, value: OwnerValue): Promise<number | undefined>;
  /** Removes this revision of the key, if it is still there. */
  release(sessionId: string, revision: number): Promise<void>;
  get(sessionId: string): Promise<OwnerEntry | undefined>;
  /** Every live entry. */
  scan(): Promise<OwnerEntry[]>;
}

function parseOwner(sessionId: string, revision: number, data: Uint8Array): OwnerEntry | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as OwnerValue;
    if (typeof value?.host !== 'string' || typeof value.incarnation !== 'string') return undefined;
    return { sessionId, revision, value };
  } catch {
    return undefined;
  }
}

export function ownersBucket(
  link: ClusterLink,
  /** A fresh message id (`<incarnation>:<n>`) per write; its retries reuse it. */
  newMsgId: () => string,
  timeoutMs: number,
): OwnersBucket {
  const { js, jsm, names, owners } = link;
  const bucket = names.ownersBucket;
  const stream = names.kvStream(bucket);
  const keyPrefix = names.kvSubject(bucket, '');

  const write = async (sessionId: string, expected: number, value: OwnerValue) => {
    try {
      const ack = await publishExpecting(
        js,
        names.kvSubject(bucket, sessionId),
        JSON.stringify(value),
        {
          lastSubjectSequence: expected,
          msgID: newMsgId(),
          budgetMs: timeoutMs,
        },
      );
      return ack.seq;
    } catch (error) {
      if (isWrongLastSequence(error)) return undefined;
      throw error;
    }
  };

  /**
   * Every live entry, read with a consumer that ends at a marker this scan
   * writes once the consumer exists. A count of what is pending would not
   * do: an entry counted, then released (its message deleted) before it is
   * delivered, never comes, and a scan waiting for it waits for ever. The
   * marker, written after every entry the consumer can deliver, always
   * comes, and comes last. Its key (`=scan.<random>`) can never be a
   * session id; the scan deletes it afterwards, in the background.
   */
  const scanOnce = async (attemptMs: number): Promise<OwnerEntry[]> => {
    const consumer = await js.consumers.get(stream, {
      deliver_policy: DeliverPolicy.LastPerSubject,
      filter_subjects: `${keyPrefix}>`,
    });
    try {
      if ((await consumer.info(true)).num_pending === 0) return [];
      const marker = `${keyPrefix}=scan.${nanoid(12)}`;
      const { seq: markerSeq } = await js.publish(marker, '', { timeout: attemptMs });
      const found = new Map<string, OwnerEntry>();
      const messages = await consumer.consume({ max_messages: 1000 });
      const timer = setTimeout(() => messages.stop(), attemptMs);
      let complete = false;
      try {
        for await (const message of messages) {
          if (message.subject === marker) {
            complete = true;
            break;
          }
          // A key taken over during the scan comes again: the last one counts.
          const sessionId = message.subject.slice(keyPrefix.length);
          const operation = message.headers?.get('KV-Operation');
          const entry =
            operation === '' || operation === undefined
              ? parseOwner(sessionId, message.seq, message.data)
              : undefined;
          if (entry) found.set(sessionId, entry);
          else found.delete(sessionId);
        }
      } finally {
        clearTimeout(timer);
        messages.stop();
        jsm.streams.deleteMessage(stream, markerSeq, false).catch(() => {
          // Left behind: not an owner entry, every scan skips it.
        });
      }
      if (!complete)
        throw Object.assign(new Error('scan marker not delivered'), { name: 'TimeoutError' });
      return [...found.values()];
    } finally {
      await consumer.delete().catch(() => {});
    }
  };

  return {
    claim: (sessionId, value) => write(sessionId, 0, value),
    take: (sessionId, revision, value) => write(sessionId, revision, value),
    release: (sessionId, revision) =>
      withRetries(`release ${sessionId}`, timeoutMs, async () => {
        await jsm.streams
          .deleteMessage(stream, revision, false)
          .catch((error: { code?: number }) => {
            // Already gone: superseded by a newer owner (history 1) or released before.
            if (error?.code !== 10037) throw error;
          });
      }),
    get: (sessionId) =>
      withRetries(`owner of ${sessionId}`, timeoutMs, async () => {
        const entry = await owners.get(sessionId);
        if (entry?.operation !== 'PUT') return undefined;
        return parseOwner(sessionId, entry.revision, entry.value);
      }),
    scan: () => withRetries(`scan ${bucket}`, timeoutMs, scanOnce, timeoutMs),
  };
}
