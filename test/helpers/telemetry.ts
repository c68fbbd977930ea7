/**
 * Records what xstate-otp publishes on its diagnostics channels, for the
 * telemetry tests.
 *
 * ```ts
 * const recorded = recordTelemetry();
 * // … sessions run …
 * recorded.events;                 // [['session:start', { sessionId, hostId, … }], …] in publish order
 * recorded.of('child:exit');       // the messages of one channel
 * recorded.stop();
 * ```
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { telemetryChannels } from '../../src/telemetry/index.js';

const PREFIX = 'xstate-otp:';

export function recordTelemetry(names: readonly string[] = Object.values(telemetryChannels)) {
  const events: [string, Record<string, any>][] = [];
  const listeners = names.map((name) => {
    const listener = (message: unknown) =>
      events.push([name.slice(PREFIX.length), message as Record<string, any>]);
    diagnostics_channel.subscribe(name, listener);
    return [name, listener] as const;
  });
  return {
    events,
    of: (event: string) => events.filter(([name]) => name === event).map(([, message]) => message),
    stop() {
      for (const [name, listener] of listeners) diagnostics_channel.unsubscribe(name, listener);
    },
  };
}
