/**
 * The supervisor's public vocabulary: child specs, options, what
 * `whichChildren` reports and the events a supervisor emits.
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { ChildEnvironment } from '../ground/environment.js';
import type { Registry } from '../registry/index.js';

export type { ChildEnvironment } from '../ground/environment.js';

export type RestartType = 'permanent' | 'transient' | 'temporary';
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
/** Milliseconds of grace, `'brutal_kill'` or `'infinity'`. */
export type Shutdown = number | 'brutal_kill' | 'infinity';
export type AutoShutdown = 'never' | 'any_significant' | 'all_significant';

/**
 * Restart backoff: the n-th consecutive restart of a child waits
 * `min(maxMs, minMs * factor^(n-1))`, spread by ±`jitter`; a child that ran
 * `resetAfterMs` without crashing starts again from `minMs`.
 */
export interface Backoff {
  /** The first delay, in ms (> 0). */
  minMs: number;
  /** The largest delay before jitter, in ms (>= minMs). */
  maxMs: number;
  /** Growth per consecutive restart; default 2 (>= 1). */
  factor?: number;
  /** The delay is spread by ±jitter (a fraction, 0 <= jitter < 1); default 0.2. */
  jitter?: number;
  /** A child that ran this long without crashing starts again from minMs; default maxMs. */
  resetAfterMs?: number;
}

export interface ChildSpec {
  id: string;
  /** Any XState v5 actor logic. */
  logic: AnyActorLogic;
  /** The child's input, or a function of the session's environment that returns it. */
  input?: unknown;
  /** Default `'permanent'`. */
  restart?: RestartType;
  /** Default 5000 ms. */
  shutdown?: Shutdown;
  /** Default `false`. Only with `transient`/`temporary` and an `autoShutdown` other than `'never'`. */
  significant?: boolean;
  /** A registry key the child is registered under while it runs (needs the supervisor's `registry`). */
  registerAs?: string;
  /** Restart backoff for this child; overrides the supervisor's. */
  backoff?: Backoff;
  /**
   * How a durable session's next attempt creates this child (see
   * docs/sessions.md): `'snapshot'` (default for machine logic) restores it
   * from its last checkpoint; `'restart'` (default for other logic) starts it
   * afresh, with `resumeInput(last)` when given; `'never'`: the session
   * cannot resume and ends `interrupted`. Ignored outside durable sessions.
   */
  resume?: ResumePolicy;
  /**
   * A `'restart'` child's input on a resumed attempt, from what the
   * attempts before left: its input as the session type builds it, and the
   * last checkpointed machine contexts of the session (e.g. an agent CLI
   * started again with its own `--resume` flag and the agent's session id
   * kept in a machine child's context).
   */
  resumeInput?: (last: ResumeLast) => unknown;
}

export type ResumePolicy = 'snapshot' | 'restart' | 'never';

/** What `ChildSpec.resumeInput` is given. */
export interface ResumeLast {
  /**
   * The child's `input` as the session type builds it from the session's
   * input: what its first attempt started with (not an earlier
   * `resumeInput`'s result, which is not journaled).
   */
  input: unknown;
  /** The last checkpointed context of every machine child, by child id (`contexts.agent.agentSessionId`). */
  contexts: Record<string, unknown>;
}

export interface SupervisorOptions {
  /** Default `'one_for_one'`. */
  strategy?: Strategy;
  /** Restarts allowed within `period`; an integer >= 0, default 3. */
  intensity?: number;
  /** The sliding window in ms, > 0, default 5000. */
  period?: number;
  /** Default `'never'`. */
  autoShutdown?: AutoShutdown;
  children?: ChildSpec[];
  /** Where `registerAs` keys go. */
  registry?: Registry;
  /** A registry key for the supervisor itself, held while it runs. */
  registerAs?: string;
  /** At most this many children (running or restarting); `startChild` past it throws `max_children`. */
  maxChildren?: number;
  /** Restart backoff for every child without its own; default none (immediate restarts). */
  backoff?: Backoff;
  /**
   * @internal What the session hands down (see `src/environment.ts`): given
   * to input functions, and merged into the input of logics that take it.
   */
  environment?: ChildEnvironment;
}

export type ChildStatus = 'running' | 'restarting' | 'stopped';

export interface ChildInfo {
  id: string;
  ref: AnyActorRef | undefined;
  status: ChildStatus;
  restart: RestartType;
  restarts: number;
  /** While the child waits out its restart backoff: when it starts again (system clock, ms). */
  nextRestartAt?: number;
}

export interface ChildCounts {
  specs: number;
  active: number;
  supervisors: number;
  workers: number;
}

/** A supervisor's output once it completes. */
export interface SupervisorOutput {
  reason: 'shutdown' | 'auto_shutdown';
  restarts: number;
}

/** `Backoff` with its defaults applied. */
export interface ResolvedBackoff {
  minMs: number;
  maxMs: number;
  factor: number;
  jitter: number;
  resetAfterMs: number;
}

/** A child spec with its defaults applied. */
export interface ResolvedChildSpec extends ChildSpec {
  restart: RestartType;
  shutdown: Shutdown;
  significant: boolean;
  /** Its own backoff, else the supervisor's, else none. */
  backoff: ResolvedBackoff | undefined;
  /**
   * @internal A checkpoint to restore the child from, taken by its first
   * start only: a restart after a crash starts fresh, as OTP's does.
   */
  restoreOnce?: { snapshot: unknown };
}

export interface ResolvedSupervisorOptions {
  strategy: Strategy;
  intensity: number;
  period: number;
  autoShutdown: AutoShutdown;
  children: ResolvedChildSpec[];
  registry: Registry | undefined;
  registerAs: string | undefined;
  maxChildren: number;
  backoff: ResolvedBackoff | undefined;
  environment: ChildEnvironment | undefined;
}

/**
 * Emitted by a supervisor (`ref.on('child.changed', ...)`) whenever a
 * child's status changes, after the supervisor's snapshot has changed.
 */
export interface ChildChangedEvent {
  type: 'child.changed';
  id: string;
  status: ChildStatus | 'deleted';
  /** This child's restarts. */
  restarts: number;
  ref: AnyActorRef | undefined;
  /** The supervisor's restarts, all children together. */
  totalRestarts: number;
  /** While the child waits out its restart backoff. */
  nextRestartAt?: number;
}

/** Emitted when starting a child failed: a start, a restart, or `startChild`/`restartChild`. */
export interface ChildStartFailedEvent {
  type: 'child.startFailed';
  id: string;
  error: unknown;
}

export type SupervisorEmitted = ChildChangedEvent | ChildStartFailedEvent;
