/**
 * `xstate-otp/otel`: OpenTelemetry spans and metrics for xstate-otp.
 * Needs `@opentelemetry/api` (an optional peer dependency, `^1.9.0`) and an
 * SDK of the application's choice; see docs/telemetry.md.
 *
 * ```ts
 * import { instrumentOpenTelemetry } from 'xstate-otp/otel';
 * const uninstrument = instrumentOpenTelemetry(); // the global tracer and meter providers
 * ```
 *
 * @module
 */
export {
  ATTRIBUTES,
  instrumentOpenTelemetry,
  type OpenTelemetryOptions,
} from './instrument.js';
