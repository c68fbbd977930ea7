/**
 * The messages published on the telemetry channels (see `channels.ts`).
 * Every message carries `hostId`, the manager's host, and `sessionId` where
 * one exists. Messages are plain objects built only when the channel has a
 * subscriber; a subscriber may keep them, and must not change them, except
 * for the carriers meant for that (`traceContext`, `headers`).
 *
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 *
 * diagnostics_channel.subscribe(telemetryChannels.sessionEnd, (message) => {
 *   const { sessionId, hostId, outcome, durationMs } = message as SessionEndMessage;
 * });
 * ```
 */
import type { Outcome } from '../ground/outcome.js';

/** W3C trace-context fields (`traceparent`, `tracestate`) as an OpenTelemetry propagator writes them. */
export type TraceCarrier = Record<string, string>;

/** `xstate-otp:session:start`: `createSession` accepted a session; an attempt begins. */
export interface SessionStartMessage {
  sessionId: string;
  hostId: string;
  /** 1 for a new session; a resumed session counts on (see `SessionResumeMessage`). */
  attempt: number;
  /** The session's type, for a durable session; absent for one built from inline children. */
  type?: string;
  /** Creation time (epoch ms, the actor system's clock). */
  createdAt: number;
  /**
   * Empty when published. A subscriber that traces the attempt writes its
   * W3C trace context here (the OpenTelemetry instrumentation does), so that
   * a later attempt of the session can link to this one.
   */
  traceContext: TraceCarrier;
}

/** `xstate-otp:session:end`: a session attempt ended. */
export interface SessionEndMessage {
  sessionId: string;
  hostId: string;
  attempt: number;
  /**
   * How it ended. `interrupted` here means this host lost the session
   * (its lease lapsed; another host records the outcome), or, for a
   * durable session, that it was left to be resumed.
   */
  outcome: Outcome;
  reason?: string;
  restarts: number;
  /** From creation to the end (ms, the actor system's clock). */
  durationMs: number;
}

/**
 * `xstate-otp:session:resume`: a durable session resumes (on its own host's
 * next run or on a survivor). Published just before the resumed attempt's
 * `session:start`, which carries the same `attempt`.
 */
export interface SessionResumeMessage {
  sessionId: string;
  hostId: string;
  /** The attempt that begins (2 for the first resume). */
  attempt: number;
  /** The host that ran the previous attempt. */
  fromHostId?: string;
  /** The previous attempt's `traceContext`, as it was written when that attempt started. */
  previousTraceContext?: TraceCarrier;
}

/** `xstate-otp:child:start`: a run of a session's child began (its first start or a restart). */
export interface ChildStartMessage {
  sessionId: string;
  hostId: string;
  childId: string;
  /** How many times this child was restarted before this run (0: its first run). */
  restart: number;
  /** The root process's pid, for a `fromProcess` child that has spawned it. */
  pid?: number;
}

/** How a child's run ended: on its own (`normal`, `abnormal`) or stopped by its supervisor. */
export type ChildExitKind = 'normal' | 'abnormal' | 'shutdown';

/** `xstate-otp:child:exit`: a run of a session's child ended. */
export interface ChildExitMessage {
  sessionId: string;
  hostId: string;
  childId: string;
  restart: number;
  kind: ChildExitKind;
  pid?: number;
  /** A process child's exit code, when it exited with one. */
  exitCode?: number;
  /** A process child's signal, when a signal ended it. */
  signal?: string;
  /** The error's message, for an abnormal exit. */
  error?: string;
}

/** Why a child is restarted: its run failed, ended (a permanent child), or its restart failed to start. */
export type ChildRestartReason = 'abnormal' | 'normal' | 'start_failed';

/** `xstate-otp:child:restart`: the supervisor decided to restart a child (counted toward intensity). */
export interface ChildRestartMessage {
  sessionId: string;
  hostId: string;
  childId: string;
  reason: ChildRestartReason;
  /** The error's message, when the run failed. */
  error?: string;
  /** The wait before the restart (0 without a backoff). */
  backoffMs: number;
  /** This child's restarts, this one included. */
  restarts: number;
  /** The session's restarts, all children together. */
  totalRestarts: number;
}

/** `xstate-otp:supervisor:intensity`: a session's supervisor reached its maximum restart intensity and gave up. */
export interface SupervisorIntensityMessage {
  sessionId: string;
  hostId: string;
  /** The child whose failure was one too many. */
  childId?: string;
  /** The supervisor's `intensity` and `period` (ms). */
  intensity?: number;
  periodMs?: number;
  /** The session's restarts when it gave up. */
  restarts: number;
  error: string;
}

/** `xstate-otp:journal:append`: a record was appended for a session (durable, or failed). */
export interface JournalAppendMessage {
  sessionId: string;
  hostId: string;
  /** The record's `type` (`created`, `started`, `terminal`, …). */
  recordType: string;
  records: number;
  /** The record's size as one JSON line (UTF-8 bytes, without the newline); computed when read. */
  readonly bytes: number;
  /** From the append to its durability (or failure), group commit included. */
  durationMs: number;
  /** The failure's message, when the append failed. */
  error?: string;
}

/** `xstate-otp:cluster:lease`: this host's lease changed (cluster mode). */
export interface ClusterLeaseMessage {
  hostId: string;
  status: 'acquired' | 'lost' | 'released';
  incarnation: string;
  leaseMs: number;
  /** Why it was lost. */
  reason?: string;
}

/**
 * `xstate-otp:cluster:failover`: this host took over another host's orphaned
 * session: ended it `interrupted`, or (durable) took it to resume here.
 */
export interface ClusterFailoverMessage {
  sessionId: string;
  /** The survivor that took the session over. */
  hostId: string;
  /** The host that owned it. */
  fromHostId: string;
  reason: string;
  /** From the start of the takeover to its record being durable (the terminal, or the `owner` record of a resume). */
  durationMs: number;
}

/** The requests a host sends the owner of a session (cluster mode). */
export type ClusterOperation = 'send' | 'terminate';

/**
 * `xstate-otp:cluster:request`: this host asks a session's owner host to
 * `send` or `terminate`. Published just before the request goes, in the
 * caller's context: a subscriber may add W3C trace context to `headers`,
 * and they travel as NATS message headers.
 */
export interface ClusterRequestMessage {
  sessionId: string;
  hostId: string;
  toHostId: string;
  operation: ClusterOperation;
  headers: TraceCarrier;
}

/**
 * `xstate-otp:cluster:serve`: the owner host got such a request (with the
 * caller's headers); `xstate-otp:cluster:served` publishes the same object
 * once it answered, with `durationMs` and `error` filled in, so that a
 * subscriber can pair the two.
 */
export interface ClusterServeMessage {
  sessionId: string;
  hostId: string;
  operation: ClusterOperation;
  headers: TraceCarrier;
  durationMs?: number;
  error?: string;
}
