/**
 * OpenTelemetry for xstate-otp: spans and metrics made from the runtime's
 * `node:diagnostics_channel` events (see `src/telemetry/`).
 *
 * ```ts
 * import { instrumentOpenTelemetry } from 'xstate-otp/otel';
 * const stop = instrumentOpenTelemetry({ tracerProvider, meterProvider }); // default: the global ones
 * // … sessions run …
 * stop(); // unsubscribes; spans still open are dropped, not ended
 * ```
 *
 * Spans:
 * - `session <type|id>`, one per session attempt, from `createSession` to
 *   the session's end, parented by the context active when `createSession`
 *   was called. A resumed attempt links to the previous attempt's span. Its
 *   restarts are span events (`child.restart`), and so is giving up
 *   (`supervisor.max_restart_intensity`). Status error for `failed` and
 *   `timed_out`.
 * - `child <id>`, one per run of a session's child, under its session's
 *   span: restart number, pid, exit kind, exit code, signal.
 * - `serve <send|terminate>` (kind server), on the host that owns a session,
 *   for another host's request: its parent is the caller's context, carried
 *   as W3C `traceparent` in the NATS headers, so the owner's work joins the
 *   caller's trace.
 *
 * Metrics (names as the contract has them): `xstate_otp.sessions.started`,
 * `xstate_otp.sessions.ended` {outcome}, `xstate_otp.sessions.active`,
 * `xstate_otp.session.duration` (s) {outcome}, `xstate_otp.child.restarts`
 * {reason}, `xstate_otp.journal.append.duration` (s),
 * `xstate_otp.cluster.failover.duration` (s).
 */
import diagnostics_channel from 'node:diagnostics_channel';
import {
  type Attributes,
  type Context,
  context,
  type Link,
  type MeterProvider,
  metrics,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import {
  type ChildExitMessage,
  type ChildRestartMessage,
  type ChildStartMessage,
  type ClusterFailoverMessage,
  type ClusterRequestMessage,
  type ClusterServeMessage,
  type JournalAppendMessage,
  type SessionEndMessage,
  type SessionResumeMessage,
  type SessionStartMessage,
  type SupervisorIntensityMessage,
  telemetryChannels,
} from '../telemetry/index.js';
import { extractTraceContext, injectTraceContext } from './traceContext.js';

export interface OpenTelemetryOptions {
  /** Where spans go; default the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /** Where metrics go; default the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
}

const SCOPE = 'xstate-otp';

/** Span and metric attribute names. */
export const ATTRIBUTES = Object.freeze({
  sessionId: 'xstate_otp.session.id',
  sessionType: 'xstate_otp.session.type',
  hostId: 'xstate_otp.host.id',
  attempt: 'xstate_otp.session.attempt',
  resumedFrom: 'xstate_otp.session.resumed_from',
  outcome: 'xstate_otp.session.outcome',
  reason: 'xstate_otp.session.reason',
  restarts: 'xstate_otp.session.restarts',
  childId: 'xstate_otp.child.id',
  restart: 'xstate_otp.child.restart',
  pid: 'process.pid',
  exitKind: 'xstate_otp.child.exit_kind',
  exitCode: 'process.exit.code',
  signal: 'xstate_otp.child.signal',
  backoffMs: 'xstate_otp.child.backoff_ms',
  operation: 'xstate_otp.cluster.operation',
});

/** The outcomes a session span reports as an error. */
const ERROR_OUTCOMES = new Set(['failed', 'timed_out']);

interface LiveAttempt {
  span: Span;
  context: Context;
  children: Map<string, Span>;
}

/** Subscribes to xstate-otp's events and returns the function that unsubscribes. */
export function instrumentOpenTelemetry(options: OpenTelemetryOptions = {}): () => void {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const started = meter.createCounter('xstate_otp.sessions.started', {
    description: 'Sessions started (attempts, resumed ones included).',
    unit: '{session}',
  });
  const ended = meter.createCounter('xstate_otp.sessions.ended', {
    description: 'Session attempts ended, by outcome.',
    unit: '{session}',
  });
  const active = meter.createUpDownCounter('xstate_otp.sessions.active', {
    description: 'Sessions running on this host.',
    unit: '{session}',
  });
  const duration = meter.createHistogram('xstate_otp.session.duration', {
    description: 'From creation to the end of a session, by outcome.',
    unit: 's',
  });
  const restarts = meter.createCounter('xstate_otp.child.restarts', {
    description: 'Child restarts decided by session supervisors, by reason.',
    unit: '{restart}',
  });
  const appendDuration = meter.createHistogram('xstate_otp.journal.append.duration', {
    description: 'From a journal append to its durability.',
    unit: 's',
  });
  const failoverDuration = meter.createHistogram('xstate_otp.cluster.failover.duration', {
    description: "Taking over a dead host's session, until it is ended or taken to resume.",
    unit: 's',
  });

  // By host and session: two managers of one process may share a session id.
  const attempts = new Map<string, LiveAttempt>();
  const resumeLinks = new Map<string, { link: Link; from: string | undefined }>();
  const serving = new WeakMap<object, Span>();
  const keyOf = (message: { hostId: string; sessionId: string }) =>
    `${message.hostId}\u0000${message.sessionId}`;

  const endChild = (span: Span) => span.end();

  const handlers: Record<string, (message: any) => void> = {
    [telemetryChannels.sessionResume]: (message: SessionResumeMessage) => {
      const previous = extractTraceContext(message.previousTraceContext);
      if (!previous) return;
      resumeLinks.set(keyOf(message), {
        link: { context: previous, attributes: { [ATTRIBUTES.attempt]: message.attempt - 1 } },
        from: message.fromHostId,
      });
    },

    [telemetryChannels.sessionStart]: (message: SessionStartMessage) => {
      const key = keyOf(message);
      attempts.get(key)?.span.end();
      const resumed = resumeLinks.get(key);
      resumeLinks.delete(key);
      const parent = context.active();
      const attributes: Attributes = {
        [ATTRIBUTES.sessionId]: message.sessionId,
        [ATTRIBUTES.hostId]: message.hostId,
        [ATTRIBUTES.attempt]: message.attempt,
      };
      if (message.type !== undefined) attributes[ATTRIBUTES.sessionType] = message.type;
      if (resumed?.from !== undefined) attributes[ATTRIBUTES.resumedFrom] = resumed.from;
      const span = tracer.startSpan(
        `session ${message.type ?? message.sessionId}`,
        resumed
          ? { kind: SpanKind.INTERNAL, attributes, links: [resumed.link] }
          : { kind: SpanKind.INTERNAL, attributes },
        parent,
      );
      const spanContext = trace.setSpan(parent, span);
      attempts.set(key, { span, context: spanContext, children: new Map() });
      injectTraceContext(spanContext, message.traceContext);
      started.add(1);
      active.add(1);
    },

    [telemetryChannels.sessionEnd]: (message: SessionEndMessage) => {
      const key = keyOf(message);
      const attempt = attempts.get(key);
      ended.add(1, { outcome: message.outcome });
      duration.record(message.durationMs / 1000, { outcome: message.outcome });
      if (!attempt) return;
      attempts.delete(key);
      active.add(-1);
      // Runs the supervisor did not report ending (stopped with it at once).
      for (const child of attempt.children.values()) endChild(child);
      const { span } = attempt;
      span.setAttribute(ATTRIBUTES.outcome, message.outcome);
      span.setAttribute(ATTRIBUTES.restarts, message.restarts);
      if (message.reason !== undefined) span.setAttribute(ATTRIBUTES.reason, message.reason);
      if (ERROR_OUTCOMES.has(message.outcome)) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: message.reason ?? message.outcome,
        });
      }
      span.end();
    },

    [telemetryChannels.childStart]: (message: ChildStartMessage) => {
      // A session that started before the instrumentation has no span to hold its children.
      const attempt = attempts.get(keyOf(message));
      if (!attempt) return;
      const previous = attempt.children.get(message.childId);
      if (previous) endChild(previous);
      const attributes: Attributes = {
        [ATTRIBUTES.sessionId]: message.sessionId,
        [ATTRIBUTES.hostId]: message.hostId,
        [ATTRIBUTES.childId]: message.childId,
        [ATTRIBUTES.restart]: message.restart,
      };
      if (message.pid !== undefined) attributes[ATTRIBUTES.pid] = message.pid;
      const span = tracer.startSpan(`child ${message.childId}`, { attributes }, attempt.context);
      attempt.children.set(message.childId, span);
    },

    [telemetryChannels.childExit]: (message: ChildExitMessage) => {
      const attempt = attempts.get(keyOf(message));
      const span = attempt?.children.get(message.childId);
      if (!attempt || !span) return;
      attempt.children.delete(message.childId);
      span.setAttribute(ATTRIBUTES.exitKind, message.kind);
      if (message.pid !== undefined) span.setAttribute(ATTRIBUTES.pid, message.pid);
      if (message.exitCode !== undefined) span.setAttribute(ATTRIBUTES.exitCode, message.exitCode);
      if (message.signal !== undefined) span.setAttribute(ATTRIBUTES.signal, message.signal);
      if (message.kind === 'abnormal') {
        span.setStatus({ code: SpanStatusCode.ERROR, message: message.error ?? 'abnormal exit' });
      }
      span.end();
    },

    [telemetryChannels.childRestart]: (message: ChildRestartMessage) => {
      restarts.add(1, { reason: message.reason });
      attempts.get(keyOf(message))?.span.addEvent('child.restart', {
        [ATTRIBUTES.childId]: message.childId,
        [ATTRIBUTES.restart]: message.restarts,
        'xstate_otp.child.restart_reason': message.reason,
        [ATTRIBUTES.backoffMs]: message.backoffMs,
        ...(message.error === undefined ? {} : { 'exception.message': message.error }),
      });
    },

    [telemetryChannels.supervisorIntensity]: (message: SupervisorIntensityMessage) => {
      attempts.get(keyOf(message))?.span.addEvent('supervisor.max_restart_intensity', {
        [ATTRIBUTES.restarts]: message.restarts,
        ...(message.childId === undefined ? {} : { [ATTRIBUTES.childId]: message.childId }),
        ...(message.intensity === undefined
          ? {}
          : { 'xstate_otp.supervisor.intensity': message.intensity }),
        ...(message.periodMs === undefined
          ? {}
          : { 'xstate_otp.supervisor.period_ms': message.periodMs }),
        'exception.message': message.error,
      });
    },

    [telemetryChannels.journalAppend]: (message: JournalAppendMessage) => {
      appendDuration.record(message.durationMs / 1000);
    },

    [telemetryChannels.clusterFailover]: (message: ClusterFailoverMessage) => {
      failoverDuration.record(message.durationMs / 1000);
    },

    [telemetryChannels.clusterRequest]: (message: ClusterRequestMessage) => {
      injectTraceContext(context.active(), message.headers);
    },

    [telemetryChannels.clusterServe]: (message: ClusterServeMessage) => {
      const caller = extractTraceContext(message.headers);
      const parent = caller ? trace.setSpanContext(ROOT_CONTEXT, caller) : ROOT_CONTEXT;
      const span = tracer.startSpan(
        `serve ${message.operation}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTRIBUTES.sessionId]: message.sessionId,
            [ATTRIBUTES.hostId]: message.hostId,
            [ATTRIBUTES.operation]: message.operation,
          },
        },
        parent,
      );
      serving.set(message, span);
    },

    [telemetryChannels.clusterServed]: (message: ClusterServeMessage) => {
      const span = serving.get(message);
      if (!span) return;
      serving.delete(message);
      if (message.error !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: message.error });
      }
      span.end();
    },
  };

  for (const [name, handler] of Object.entries(handlers)) {
    diagnostics_channel.subscribe(name, handler);
  }
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    for (const [name, handler] of Object.entries(handlers)) {
      diagnostics_channel.unsubscribe(name, handler);
    }
    attempts.clear();
    resumeLinks.clear();
  };
}
