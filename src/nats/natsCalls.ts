/**
 * The few ways a NATS call can fail, and retrying the ones worth retrying
 * within a time budget.
 *
 * ```ts
 * const ack = await publishExpecting(link, 'xotp.journal.a-1', line, {
 *   lastSubjectSequence: 7,          // refused (10071) if anyone appended since seq 7
 *   msgID: 'inc1:a-1:7',             // a retry that already landed comes back as a duplicate
 *   stream: 'xotp_journal',
 *   budgetMs: 10_000,                // then ClusterError('timeout')
 * });
 * ```
 *
 * Transient (see `isTransient`): what an election or a reconnection gives
 * for a few seconds. Every retry of a write carries the same message id,
 * so a write whose acknowledgement was lost is answered with its original
 * sequence (`duplicate: true`) instead of being stored twice (within the
 * stream's duplicate window, 2 min by default, far beyond any budget
 * here); and where a clustered stream refuses such a retry on its expected
 * sequence instead, `publishExpecting` finds the first copy by its id. So
 * a write the server has answered is never counted twice, nor as lost.
 */
import type { PubAck } from '@nats-io/jetstream';
import { ClusterError, OtpError } from '../ground/errors.js';
import type { ClusterLink } from './connection.js';

/** The JetStream API code for a failed `Nats-Expected-Last-*` check. */
export const WRONG_LAST_SEQUENCE = 10071;

interface NamedError {
  name?: string;
  code?: unknown;
  status?: unknown;
  cause?: unknown;
  isNoResponders?: () => boolean;
}

/** A refused compare-and-set: someone else wrote to that subject (key) since. */
export function isWrongLastSequence(error: unknown): boolean {
  const e = error as NamedError | undefined;
  return e?.name === 'JetStreamApiError' && e.code === WRONG_LAST_SEQUENCE;
}

/** Nobody subscribes to the subject of a plain request. */
export function isNoResponders(error: unknown): boolean {
  const e = error as NamedError | undefined;
  return (
    e?.name === 'NoResponders' ||
    (e?.name === 'RequestError' && typeof e.isNoResponders === 'function' && e.isNoResponders())
  );
}

/** The connection is closed for good (this store closed it). */
export function isClosed(error: unknown): boolean {
  const name = (error as NamedError | undefined)?.name;
  return name === 'ClosedConnectionError' || name === 'DrainingConnectionError';
}

/**
 * Worth another try: the cluster may answer in a moment. During a leader
 * election a JetStream request gets no answer (a timeout), a 503 ("JetStream
 * system temporarily unavailable", code 10008), "no responders" (which the
 * client reports as "jetstream is not enabled" on a publish), or, for a
 * consumer whose only replica was on the lost node, "consumer not found" or
 * a status error from its pull: each of these passes once a new leader is
 * elected, or once the consumer is created again elsewhere.
 */
export function isTransient(error: unknown): boolean {
  const e = error as NamedError | undefined;
  switch (e?.name) {
    case 'TimeoutError':
    case 'JetStreamNotEnabled':
    case 'ConnectionError':
    case 'NoResponders':
    case 'RequestError':
    case 'JetStreamStatusError':
    case 'JetStreamError':
    case 'ConsumerNotFoundError':
      return true;
    case 'JetStreamApiError':
      return e.status === 503 || e.status === 408 || e.code === CONSUMER_NOT_FOUND;
    default:
      return false;
  }
}

const CONSUMER_NOT_FOUND = 10014;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pause before retry `round`: doubling from 50 ms to 1 s, each drawn from its upper half. */
export function retryPause(round: number): number {
  const ceiling = Math.min(1000, 50 * 2 ** round);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * How long attempt `round` may wait for its answer: `firstMs`, half as
 * long again each round, at most twice `firstMs`. Short on purpose: a
 * request sent while a group has no leader is lost, not queued, so an
 * attempt that started during the election waits out its whole timeout
 * even when the new leader is there a moment later.
 */
export function attemptTimeout(round: number, firstMs: number): number {
  return Math.round(Math.min(firstMs * 1.5 ** round, 2 * firstMs));
}

/**
 * Runs `attempt` until it succeeds, fails for good, or `budgetMs` is spent
 * (then `ClusterError('timeout')`). Each attempt is given how long it may
 * wait for its answer: `attemptMs` at first (an answer on a healthy
 * cluster takes a millisecond or so), longer on each retry, never more
 * than the time left; so a request sent to a node that just died costs
 * about a second, not the whole budget. Between attempts a jittered pause
 * (see `retryPause`) keeps many hosts from retrying in step. An error that
 * is not transient ends the retries and is rethrown as it is: callers
 * recognise some (a refused compare-and-set), and the store turns the rest
 * into `ClusterError`s (see `asClusterError`).
 */
export async function withRetries<T>(
  what: string,
  budgetMs: number,
  attempt: (timeoutMs: number) => Promise<T>,
  attemptMs = 1000,
): Promise<T> {
  const deadline = performance.now() + budgetMs;
  let lastError: unknown;
  for (let round = 0; ; round++) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    try {
      return await attempt(Math.max(1, Math.min(left, attemptTimeout(round, attemptMs))));
    } catch (error) {
      if (isClosed(error)) {
        throw new ClusterError('unavailable', `${what}: the connection to NATS is closed.`, {
          cause: error,
        });
      }
      if (!isTransient(error)) throw error;
      lastError = error;
    }
    const pause = Math.min(retryPause(round), deadline - performance.now());
    if (pause > 0) await sleep(pause);
  }
  throw new ClusterError(
    'timeout',
    `${what}: NATS did not answer within ${budgetMs} ms${lastError instanceof Error ? ` (${lastError.message})` : ''}. ` +
      'A JetStream leader election lasts seconds; if this persists, check the NATS cluster, or raise timeoutMs.',
    { cause: lastError },
  );
}

/**
 * What reaches a caller of the store: our own errors as they are, anything
 * else (a client library error) as a `ClusterError` that says what failed.
 */
export function asClusterError(error: unknown, what: string): Error {
  if (error instanceof OtpError) return error;
  if (isClosed(error)) {
    return new ClusterError('unavailable', `${what}: the connection to NATS is closed.`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ClusterError(
    isTransient(error) ? 'timeout' : 'unavailable',
    `${what}: NATS answered with an error (${message}).`,
    { cause: error },
  );
}

export interface ExpectingPublish {
  /** The subject's last stream sequence the write expects; 0: no message on it yet. */
  lastSubjectSequence: number;
  /** Same id on every retry of one write. */
  msgID: string;
  /** The stream the subject belongs to: where a refused retry looks for the first attempt. */
  stream: string;
  budgetMs: number;
  attemptMs?: number;
}

/**
 * Publishes once, fenced by the subject's last sequence. A refusal (10071)
 * after an attempt that got no answer may be that attempt's own write,
 * stored after all: a clustered stream checks the expected sequence of two
 * copies of one write in flight at once before it can tell the second is a
 * duplicate (seen when a paused server delivers its backlog). So a retried
 * write that is refused reads the subject's last message from the stream
 * leader, and if it carries this write's message id, resolves with it
 * (`duplicate: true`) instead of counting a write the server has already
 * answered as lost. Other refusals reject with the 10071 as it is.
 */
export async function publishExpecting(
  link: ClusterLink,
  subject: string,
  payload: string | Uint8Array,
  options: ExpectingPublish,
): Promise<PubAck> {
  let attempts = 0;
  try {
    return await withRetries(
      `publish to ${subject}`,
      options.budgetMs,
      (timeout) => {
        attempts += 1;
        return link.js.publish(subject, payload, {
          msgID: options.msgID,
          expect: { lastSubjectSequence: options.lastSubjectSequence },
          timeout,
        });
      },
      options.attemptMs ?? 500,
    );
  } catch (error) {
    if (attempts < 2 || !isWrongLastSequence(error)) throw error;
    const landed = await landedEarlier(link, subject, options).catch(() => undefined);
    if (landed === undefined) throw error;
    return landed;
  }
}

/** The subject's last message, when it is this write's (same message id). */
async function landedEarlier(
  link: ClusterLink,
  subject: string,
  options: ExpectingPublish,
): Promise<PubAck | undefined> {
  const message = await withRetries(
    `last message on ${subject}`,
    options.budgetMs,
    async (timeout) =>
      (await link.api(timeout)).jsm.streams.getMessage(options.stream, { last_by_subj: subject }),
  );
  if (message?.header?.get('Nats-Msg-Id') !== options.msgID) return undefined;
  return { stream: options.stream, seq: message.seq, duplicate: true, domain: '' } as PubAck;
}
