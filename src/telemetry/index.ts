/**
 * Telemetry: what the runtime publishes on `node:diagnostics_channel`
 * (`channels.ts` has the catalog, `messages.ts` the messages). The other
 * layers call the one function of each event here, with the values the
 * message needs; each returns at once when nobody listens.
 *
 * ```ts
 * import { publishSessionStart, telemetryChannels } from '../telemetry/index.js';
 * ```
 */
export * from './channels.js';
export * from './children.js';
export * from './cluster.js';
export * from './journal.js';
export type * from './messages.js';
export * from './sessions.js';
