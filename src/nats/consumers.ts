/**
 * Reading a stream with ordered consumers that survive a JetStream leader
 * election: one read to the end (`readToEnd`), and one that follows the
 * stream for as long as the store is open (`followStream`).
 *
 * ```ts
 * // One attempt of a retried read: rejects (transient) if the consumer stops answering.
 * const messages = await readToEnd(link, 'xotp_journal', { opt_start_seq: 9001 }, { until: 10_000, attemptMs: 1000 });
 *
 * const follower = followStream(link, 'xotp_journal', { startSeq: 42 }, {
 *   onMessage: (message) => console.log(message.seq), // in stream order, each once
 *   onError: (error) => {},                        // a consumer lost; it is being re-created
 * });
 * await follower.stop();
 * ```
 *
 * Why not the client's own recovery: an ordered consumer has one replica,
 * on one node. When that node dies, the consumer is gone with it, but the
 * meta layer still lists it, so the client's check (`consumer info`) gets
 * no answer rather than "not found", and it waits on it for ever; its idle
 * heartbeat, 15 s by default, notices late, and not at all while it waits
 * on that info after a reconnect. So here every pull carries a short
 * heartbeat (`FOLLOW_EXPIRES_MS` / 2), and a consumer that the client
 * reports gone, or that shows no sign of life for two pull expiries, is
 * stopped and a new one created from the sequence after the last message
 * handled: nothing is missed and nothing is handled twice. A new
 * consumer may be placed on the dead node again (the meta leader still
 * counts it as a peer of the stream for a while): its creation then gets no
 * answer, and the next attempt, a short timeout later, places it again.
 */
import {
  type ConsumerMessages,
  type ConsumerNotification,
  DeliverPolicy,
  type JsMsg,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';
import type { ClusterLink } from './connection.js';
import { attemptTimeout, isClosed, isTransient, retryPause } from './natsCalls.js';

/** A consumer lost mid-read: transient (see `isTransient`), so the read is retried. */
function consumerLost(stream: string, why: string): Error {
  return Object.assign(new Error(`the consumer on ${stream} stopped answering (${why})`), {
    name: 'TimeoutError',
  });
}

/** Statuses that say the consumer is gone or unreachable. */
const LOST: ReadonlySet<ConsumerNotification['type']> = new Set([
  'heartbeats_missed',
  'consumer_not_found',
  'consumer_deleted',
  'stream_not_found',
  'no_responders',
]);

/**
 * Watches a consumer's messages: stops them, and remembers why, when the
 * client reports the consumer gone, or when nothing at all (no message, no
 * heartbeat, no new pull) has come for two pull expiries. The client's
 * own heartbeat check is paused while it reconnects, and after a reconnect
 * it asks the consumer's node for its info until that answers: for a
 * consumer whose node died, never; so it cannot be relied on alone.
 */
function watchConsumer(messages: ConsumerMessages, expiresMs: number): ConsumerWatch {
  let lost: string | undefined;
  let lastSign = performance.now();
  const stop = (why: string) => {
    lost ??= why;
    messages.stop();
  };
  (async () => {
    for await (const status of messages.status()) {
      lastSign = performance.now();
      if (LOST.has(status.type)) return stop(status.type);
    }
  })().catch(() => {});
  const timer = setInterval(() => {
    if (performance.now() - lastSign > 2 * expiresMs) stop('silent');
  }, expiresMs);
  return {
    lost: () => lost,
    seen: () => {
      lastSign = performance.now();
    },
    cancel: () => clearInterval(timer),
  };
}

interface ConsumerWatch {
  /** Why the consumer was given up, if it was. */
  lost(): string | undefined;
  /** A message came: the consumer is alive. */
  seen(): void;
  cancel(): void;
}

/** Pull expiry of a followed stream; the idle heartbeat is half of it, so a lost consumer shows in about this long. */
export const FOLLOW_EXPIRES_MS = 2000;

/**
 * Every message an ordered consumer created with `config` delivers, up to
 * stream sequence `until` or to the end of what was pending at its
 * creation. One attempt: a consumer that stops answering rejects with a
 * transient error, for the caller's `withRetries` to try again.
 */
export async function readToEnd(
  link: ClusterLink,
  stream: string,
  config: Partial<OrderedConsumerOptions>,
  options: { until?: number; attemptMs: number },
): Promise<JsMsg[]> {
  const until = options.until ?? Number.POSITIVE_INFINITY;
  const { js } = await link.api(options.attemptMs);
  const consumer = await js.consumers.get(stream, config);
  const out: JsMsg[] = [];
  try {
    const pending = (await consumer.info(true)).num_pending;
    if (pending === 0) return out;
    const expires = Math.max(1000, options.attemptMs);
    const messages = await consumer.consume({ max_messages: Math.min(1000, pending), expires });
    const watch = watchConsumer(messages, expires);
    try {
      for await (const message of messages) {
        watch.seen();
        if (message.seq > until) break;
        out.push(message);
        if (message.info.pending === 0 || message.seq >= until) break;
      }
    } finally {
      watch.cancel();
      messages.stop();
    }
    const lost = watch.lost();
    if (lost !== undefined) throw consumerLost(stream, lost);
    return out;
  } finally {
    consumer.delete().catch(() => {
      // Unreachable (its node is gone): the server drops it once inactive.
    });
  }
}

export interface FollowHandlers {
  /** Called for each message in stream order; the next waits for it. */
  onMessage(message: JsMsg): Promise<void> | void;
  /** A consumer was lost or could not be created; `followStream` goes on trying. */
  onError(error: unknown): void;
}

export interface Follower {
  stop(): Promise<void>;
}

/** Where a follower starts: a stream sequence, or each subject's last message (then what comes). */
export type FollowStart = { startSeq: number } | { lastPerSubject: string };

/**
 * Follows `stream` from `start` until stopped, re-creating its consumer
 * after every loss from the sequence after the last message handled.
 */
export function followStream(
  link: ClusterLink,
  stream: string,
  start: FollowStart,
  handlers: FollowHandlers,
): Follower {
  let stopped = false;
  let nextSeq = 'startSeq' in start ? start.startSeq : 0;
  let stopCurrent: (() => void) | undefined;
  let wake: (() => void) | undefined;

  const config = (): Partial<OrderedConsumerOptions> =>
    nextSeq === 0 && 'lastPerSubject' in start
      ? { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: start.lastPerSubject }
      : {
          opt_start_seq: Math.max(1, nextSeq),
          ...('lastPerSubject' in start ? { filter_subjects: start.lastPerSubject } : {}),
        };

  /** One consumer's life: resolves when the follower stops, rejects when the consumer is lost. */
  const followOnce = async (round: number) => {
    const { js } = await link.api(attemptTimeout(round, 1000));
    const consumer = await js.consumers.get(stream, config());
    try {
      const messages = await consumer.consume({ max_messages: 512, expires: FOLLOW_EXPIRES_MS });
      stopCurrent = () => messages.stop();
      if (stopped) messages.stop();
      const watch = watchConsumer(messages, FOLLOW_EXPIRES_MS);
      try {
        for await (const message of messages) {
          watch.seen();
          if (stopped) break;
          await handlers.onMessage(message);
          nextSeq = message.seq + 1;
          handled = true;
        }
      } finally {
        watch.cancel();
      }
      if (!stopped) throw consumerLost(stream, watch.lost() ?? 'its messages ended');
    } finally {
      stopCurrent = undefined;
      consumer.delete().catch(() => {});
    }
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Whether the current consumer handled a message: then the next loss starts the pauses over. */
  let handled = false;
  const running = (async () => {
    for (let round = 0; !stopped; ) {
      handled = false;
      try {
        await followOnce(round);
      } catch (error) {
        if (stopped || isClosed(error)) return;
        handlers.onError(error);
        if (handled) round = 0;
        if (!isTransient(error)) round = Math.max(round, 4);
        await pause(retryPause(round++));
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      stopCurrent?.();
      wake?.();
      await running;
    },
  };
}
