/**
 * The owners bucket: one key per live session, `{ host, incarnation,
 * epoch, createdAt, type? }`. Its KV revision is the fencing token: every change of
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
import { readToEnd } from './consumers.js';
import { CONSUMER_ATTEMPT_MS } from './journalStream.js';
import { isWrongLastSequence, publishExpecting, withRetries } from './natsCalls.js';

export interface OwnerValue {
  host: string;
  incarnation: string;
  /** 1 for the first owner, +1 at every takeover. */
  epoch: number;
  createdAt: number;
  /** The host a takeover took the session from. */
  from?: string;
  /**
   * A durable session's type: a survivor resumes the session if it has the
   * type, and leaves it to a host that has it otherwise. Kept by takeovers.
   */
  type?: string;
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
  const { js, names } = link;
  const bucket = names.ownersBucket;
  const stream = names.kvStream(bucket);
  const keyPrefix = names.kvSubject(bucket, '');

  const write = async (sessionId: string, expected: number, value: OwnerValue) => {
    try {
      const ack = await publishExpecting(
        link,
        names.kvSubject(bucket, sessionId),
        JSON.stringify(value),
        {
          lastSubjectSequence: expected,
          msgID: newMsgId(),
          stream,
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
   * writes first. A count of what is pending would not do: an entry
   * counted, then released (its message deleted) before it is delivered,
   * never comes, and a scan waiting for it waits for ever. The marker,
   * on a subject of its own, is the last message per subject the consumer
   * starts with, so it always comes, and comes last (an entry written after
   * it belongs to the next scan). Its key (`=scan.<random>`) can never be a
   * session id; the scan deletes it afterwards, in the background. The
   * marker keeps its subject and message id across the attempts of one
   * scan, so a retried publish stores it once.
   */
  const scan = async (): Promise<OwnerEntry[]> => {
    const marker = `${keyPrefix}=scan.${nanoid(12)}`;
    const markerId = newMsgId();
    let markerSeq: number | undefined;
    try {
      return await withRetries(
        `scan ${bucket}`,
        timeoutMs,
        async (timeout) => {
          markerSeq ??= (await js.publish(marker, '', { msgID: markerId, timeout })).seq;
          const messages = await readToEnd(
            link,
            stream,
            { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: `${keyPrefix}>` },
            { until: markerSeq, attemptMs: timeout },
          );
          if (messages.at(-1)?.subject !== marker) {
            throw Object.assign(new Error('scan marker not delivered'), { name: 'TimeoutError' });
          }
          const found = new Map<string, OwnerEntry>();
          for (const message of messages.slice(0, -1)) {
            const sessionId = message.subject.slice(keyPrefix.length);
            const operation = message.headers?.get('KV-Operation');
            const entry =
              operation === '' || operation === undefined
                ? parseOwner(sessionId, message.seq, message.data)
                : undefined;
            if (entry) found.set(sessionId, entry);
          }
          return [...found.values()];
        },
        CONSUMER_ATTEMPT_MS,
      );
    } finally {
      if (markerSeq !== undefined) {
        const seq = markerSeq;
        link
          .api(timeoutMs)
          .then(({ jsm }) => jsm.streams.deleteMessage(stream, seq, false))
          .catch(() => {
            // Left behind: not an owner entry, every scan skips it.
          });
      }
    }
  };

  return {
    claim: (sessionId, value) => write(sessionId, 0, value),
    take: (sessionId, revision, value) => write(sessionId, revision, value),
    release: (sessionId, revision) =>
      withRetries(`release ${sessionId}`, timeoutMs, async (timeout) => {
        const { jsm } = await link.api(timeout);
        await jsm.streams
          .deleteMessage(stream, revision, false)
          .catch((error: { code?: number }) => {
            // Already gone: superseded by a newer owner (history 1) or released before.
            if (error?.code !== 10037) throw error;
          });
      }),
    get: (sessionId) =>
      withRetries(`owner of ${sessionId}`, timeoutMs, async (timeout) => {
        // A direct get (the bucket allows them): any replica answers.
        const { jsm } = await link.api(timeout);
        const message = await jsm.direct.getMessage(stream, {
          last_by_subj: names.kvSubject(bucket, sessionId),
        });
        const operation = message?.header?.get('KV-Operation');
        if (!message || (operation !== undefined && operation !== '')) return undefined;
        return parseOwner(sessionId, message.seq, message.data);
      }),
    scan,
  };
}
