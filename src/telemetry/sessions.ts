/**
 * Session events: `session:start`, `session:end` and `session:resume`.
 * Each function returns at once when its channel has no subscriber, before
 * building anything; otherwise it publishes and returns the message.
 *
 * ```ts
 * publishSessionStart('fix-42', 'worker-1', createdAt, 1);
 * publishSessionEnd(terminalRecord, 'worker-1', 1);
 * ```
 *
 * `session:start` is published synchronously inside `createSession`, so a
 * subscriber runs in the caller's context: that is how the OpenTelemetry
 * instrumentation parents the session's span on the caller's active span.
 */
import type { TerminalRecord } from '../ground/outcome.js';
import { channels, publish } from './channels.js';
import type {
  SessionEndMessage,
  SessionResumeMessage,
  SessionStartMessage,
  TraceCarrier,
} from './messages.js';

export function publishSessionStart(
  sessionId: string,
  hostId: string,
  createdAt: number,
  attempt: number,
  type?: string,
): SessionStartMessage | undefined {
  if (!channels.sessionStart.hasSubscribers) return undefined;
  const message: SessionStartMessage = { sessionId, hostId, attempt, createdAt, traceContext: {} };
  if (type !== undefined) message.type = type;
  publish(channels.sessionStart, message);
  return message;
}

/** A session attempt ended as `record` says (`durationMs` = `endedAt - createdAt`). */
export function publishSessionEnd(record: TerminalRecord, hostId: string, attempt: number): void {
  if (!channels.sessionEnd.hasSubscribers) return;
  const message: SessionEndMessage = {
    sessionId: record.sessionId,
    hostId,
    attempt,
    outcome: record.outcome,
    restarts: record.restarts,
    durationMs: Math.max(0, record.endedAt - record.createdAt),
  };
  if (record.reason !== undefined) message.reason = record.reason;
  publish(channels.sessionEnd, message);
}

/** A durable session's attempt `attempt` begins on `hostId`; the previous one ran on `fromHostId`. */
export function publishSessionResume(
  sessionId: string,
  hostId: string,
  attempt: number,
  fromHostId?: string,
  previousTraceContext?: TraceCarrier,
): void {
  if (!channels.sessionResume.hasSubscribers) return;
  const message: SessionResumeMessage = { sessionId, hostId, attempt };
  if (fromHostId !== undefined) message.fromHostId = fromHostId;
  if (previousTraceContext !== undefined) message.previousTraceContext = previousTraceContext;
  publish(channels.sessionResume, message);
}
