/**
 * The few ways a NATS call can fail, and retrying the ones worth retrying
 * within a time budget.
 *
 * ```ts
 * const ack = await publishExpecting(js, 'xotp.journal.a-1', line, {
 *   lastSubjectSequence: 7,          // refused (10071) if anyone appended since seq 7
 *   msgID: 'inc1:a-1:7',             // a retry that already landed comes back as a duplicate
 *   budgetMs: 10_000,                // then ClusterError('timeout')
 * });
 * ```
 *
 * Transient: a timeout, "no responders" (the client reports it as
 * "jetstream is not enabled" while a clustered stream elects a leader), a
 * 503 from the JetStream API, a connection being re-established. Every
 * retry of a write carries the same message id, and the server checks ids
 * before expectations, so a write whose acknowledgement was lost is
 * answered with its original sequence (`duplicate: true`) instead of being
 * stored twice or refused (within the stream's duplicate window, 2 min by
 * default, far beyond any budget here).
 */
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { ClusterError } from '../ground/errors.js';

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

/** Worth another try: the cluster may answer in a moment. */
export function isTransient(error: unknown): boolean {
  const e = error as NamedError | undefined;
  switch (e?.name) {
    case 'TimeoutError':
    case 'JetStreamNotEnabled':
    case 'ConnectionError':
    case 'NoResponders':
      return true;
    case 'RequestError':
      return true;
    case 'JetStreamApiError':
      return e.status === 503;
    default:
      return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails for good, or `budgetMs` is spent
 * (then `ClusterError('timeout')`). Each attempt gets the time left, at most
 * `attemptMs` (an acknowledgement on a healthy cluster takes a millisecond
 * or so; one that has not come in 500 ms was lost), so one lost request
 * does not eat the whole budget.
 */
export async function withRetries<T>(
  what: string,
  budgetMs: number,
  attempt: (timeoutMs: number) => Promise<T>,
  attemptMs = 500,
): Promise<T> {
  const deadline = performance.now() + budgetMs;
  let lastError: unknown;
  for (let round = 0; ; round++) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    try {
      return await attempt(Math.max(1, Math.min(left, attemptMs)));
    } catch (error) {
      if (isClosed(error)) {
        throw new ClusterError('unavailable', `${what}: the connection to NATS is closed.`, {
          cause: error,
        });
      }
      if (!isTransient(error)) throw error;
      lastError = error;
    }
    const pause = Math.min(500, 25 * 2 ** round, deadline - performance.now());
    if (pause > 0) await sleep(pause);
  }
  throw new ClusterError(
    'timeout',
    `${what}: NATS did not answer within ${budgetMs} ms${lastError instanceof Error ? ` (${lastError.message})` : ''}.`,
    { cause: lastError },
  );
}

export interface ExpectingPublish {
  /** The subject's last stream sequence the write expects; 0: no message on it yet. */
  lastSubjectSequence: number;
  /** Same id on every retry of one write. */
  msgID: string;
  budgetMs: number;
  attemptMs?: number;
}

/** Publishes once, fenced by the subject's last sequence; rejects the 10071 as it is. */
export function publishExpecting(
  js: JetStreamClient,
  subject: string,
  payload: string | Uint8Array,
  options: ExpectingPublish,
): Promise<PubAck> {
  return withRetries(
    `publish to ${subject}`,
    options.budgetMs,
    (timeout) =>
      js.publish(subject, payload, {
        msgID: options.msgID,
        expect: { lastSubjectSequence: options.lastSubjectSequence },
        timeout,
      }),
    options.attemptMs,
  );
}
