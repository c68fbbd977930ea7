/**
 * The telemetry catalog: one `node:diagnostics_channel` channel per event,
 * named `xstate-otp:<subject>:<event>`. Subscribe with Node's own API; no
 * dependency is needed, and with nobody subscribed nothing is built.
 *
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * import { telemetryChannels } from 'xstate-otp';
 *
 * diagnostics_channel.subscribe(telemetryChannels.childRestart, (message) => {
 *   console.log(message); // { sessionId, hostId, childId, reason, backoffMs, restarts, … }
 * });
 * ```
 *
 * The messages are described in `messages.ts` and docs/telemetry.md. Each
 * is published synchronously, in the middle of the runtime's bookkeeping,
 * so a subscriber should be quick. A subscriber that throws does not reach
 * that bookkeeping: its first throw becomes a process warning (code
 * `XSTATE_OTP_CALLBACK`), like every other user callback of the runtime.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { guardCallback } from '../ground/callbackGuard.js';

/** Every channel xstate-otp publishes on, by event. */
export const telemetryChannels = Object.freeze({
  sessionStart: 'xstate-otp:session:start',
  sessionEnd: 'xstate-otp:session:end',
  sessionResume: 'xstate-otp:session:resume',
  childStart: 'xstate-otp:child:start',
  childExit: 'xstate-otp:child:exit',
  childRestart: 'xstate-otp:child:restart',
  supervisorIntensity: 'xstate-otp:supervisor:intensity',
  journalAppend: 'xstate-otp:journal:append',
  clusterLease: 'xstate-otp:cluster:lease',
  clusterFailover: 'xstate-otp:cluster:failover',
  clusterRequest: 'xstate-otp:cluster:request',
  clusterServe: 'xstate-otp:cluster:serve',
  clusterServed: 'xstate-otp:cluster:served',
} as const);

export type TelemetryEvent = keyof typeof telemetryChannels;

type Channels = { readonly [Event in TelemetryEvent]: diagnostics_channel.Channel };

/** The channel objects. Held here for the life of the process: Node keeps channels by weak reference. */
export const channels: Channels = Object.freeze(
  Object.fromEntries(
    Object.entries(telemetryChannels).map(([event, name]) => [
      event,
      diagnostics_channel.channel(name),
    ]),
  ) as unknown as Channels,
);

type Subscriber = (message: unknown, name: string | symbol) => void;
const guarded = new WeakMap<Subscriber, Subscriber>();

function guardOf(subscriber: Subscriber, name: string): Subscriber {
  let guard = guarded.get(subscriber);
  if (!guard) {
    guard = guardCallback(`diagnostics_channel subscriber of ${name}`, subscriber) as Subscriber;
    guarded.set(subscriber, guard);
  }
  return guard;
}

/**
 * Publishes `message` to each subscriber of `channel`, guarded. Node's own
 * `publish` catches a subscriber's throw and raises it again on the next
 * tick as an uncaught exception, which would end the host and every
 * session on it; here it becomes one warning. Node keeps an active
 * channel's subscribers in `_subscribers`, an array it replaces (never
 * changes) on each subscribe and unsubscribe; should that ever differ,
 * Node's `publish` is used.
 */
export function publish(channel: diagnostics_channel.Channel, message: object): void {
  const subscribers = (channel as unknown as { _subscribers?: unknown })._subscribers;
  if (!Array.isArray(subscribers)) {
    channel.publish(message);
    return;
  }
  const name = channel.name as string;
  for (const subscriber of subscribers as Subscriber[]) guardOf(subscriber, name)(message, name);
}
