/**
 * Records what xstate-otp publishes on its diagnostics channels, for the
 * telemetry tests.
 *
 * ```ts
 * const recorded = recordTelemetry();
 * // … sessions run …
 * recorded.events;                 // [['session:start', { sessionId, hostId, … }], …] in publish order
 * recorded.of('child:exit');       // the messages of one channel
 * await recorded.waitFor('cluster:served', (m) => m.operation === 'terminate');
 * recorded.stop();
 * ```
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { telemetryChannels } from '../../src/telemetry/index.js';

const PREFIX = 'xstate-otp:';

export function recordTelemetry(names: readonly string[] = Object.values(telemetryChannels)) {
  const events: [string, Record<string, any>][] = [];
  const waiters = new Set<() => void>();
  const listeners = names.map((name) => {
    const listener = (message: unknown) => {
      events.push([name.slice(PREFIX.length), message as Record<string, any>]);
      for (const wake of waiters) wake();
    };
    diagnostics_channel.subscribe(name, listener);
    return [name, listener] as const;
  });
  return {
    events,
    of: (event: string) => events.filter(([name]) => name === event).map(([, message]) => message),
    /** The first message of `event` (published so far or later) that `predicate` accepts. */
    waitFor(event: string, predicate: (message: Record<string, any>) => boolean = () => true) {
      return new Promise<Record<string, any>>((resolve) => {
        const check = () => {
          const found = events.find(([name, message]) => name === event && predicate(message));
          if (!found) return;
          waiters.delete(check);
          resolve(found[1]);
        };
        waiters.add(check);
        check();
      });
    },
    stop() {
      for (const [name, listener] of listeners) diagnostics_channel.unsubscribe(name, listener);
    },
  };
}
