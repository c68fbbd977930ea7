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

// Must stay first: a clear error on an old Node.js before a dependency fails obscurely.
import '../ground/requireNodeVersion.js';

export {
  ATTRIBUTES,
  instrumentOpenTelemetry,
  type OpenTelemetryOptions,
} from './instrument.js';
