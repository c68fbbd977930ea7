/**
 * W3C Trace Context (`traceparent`, `tracestate`) written into and read
 * from a plain carrier: what crosses to another host in NATS headers, and
 * what a session attempt leaves for the next one to link to.
 *
 * ```ts
 * injectTraceContext(trace.setSpan(context.active(), span), carrier);
 * // carrier.traceparent === '00-<32 hex trace id>-<16 hex span id>-01'
 * const parent = extractTraceContext(carrier); // a span context marked remote, or undefined
 * ```
 *
 * The format is the W3C recommendation's version 00: `version-traceid-
 * parentid-flags`, lower-case hex, ids not all zero. It is written here
 * rather than taken from the global propagator, so that hosts agree on it
 * whatever propagator (or none) an application registered.
 */
import {
  type Context,
  createTraceState,
  isSpanContextValid,
  type SpanContext,
  trace,
} from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Writes the span context active in `ctx` (if any) into `carrier`. */
export function injectTraceContext(ctx: Context, carrier: Record<string, string>): void {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  carrier.traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  const state = spanContext.traceState?.serialize();
  if (state) carrier.tracestate = state;
}

/** The remote span context a carrier holds; `undefined` when it holds none, or a malformed one. */
export function extractTraceContext(
  carrier: Readonly<Record<string, string>> | undefined,
): SpanContext | undefined {
  const match = TRACEPARENT.exec(carrier?.traceparent?.trim() ?? '');
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
  };
  if (!isSpanContextValid(spanContext)) return undefined;
  const state = carrier?.tracestate;
  if (state) spanContext.traceState = createTraceState(state);
  return spanContext;
}
