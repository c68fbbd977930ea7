import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { Registry } from '../registry/index.js';

export type RestartType = 'permanent' | 'transient' | 'temporary';
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';
/** Milliseconds of grace, `'brutal_kill'` or `'infinity'`. */
export type Shutdown = number | 'brutal_kill' | 'infinity';
export type AutoShutdown = 'never' | 'any_significant' | 'all_significant';

/** What a session hands down to the children it supervises. */
export interface ChildEnvironment {
  sessionId: string;
  workspace?: { path: string; branch?: string } | undefined;
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
  registry?: import('../registry/index.js').Registry;
  /** A registry key for the supervisor itself, held while it runs. */
  registerAs?: string;
  /** At most this many children (running or restarting); `startChild` past it throws `max_children`. */
  maxChildren?: number;
  /** Handed to children whose `input` is a function, and found by `fromProcess`. */
  environment?: ChildEnvironment;
}

export type ChildStatus = 'running' | 'restarting' | 'stopped';

export interface ChildInfo {
  id: string;
  ref: AnyActorRef | undefined;
  status: ChildStatus;
  restart: RestartType;
  restarts: number;
}

export interface ChildCounts {
  specs: number;
  active: number;
  supervisors: number;
  workers: number;
}

/** A child spec with its defaults applied. */
export interface ResolvedChildSpec extends ChildSpec {
  restart: RestartType;
  shutdown: Shutdown;
  significant: boolean;
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
  environment: ChildEnvironment | undefined;
}

/** Emitted by a supervisor (`ref.on('child.changed', ...)`) whenever a child's status changes. */
export interface ChildChangedEvent {
  type: 'child.changed';
  id: string;
  status: ChildStatus | 'deleted';
  restarts: number;
  ref: AnyActorRef | undefined;
  /** Every restart of this supervisor so far. */
  totalRestarts: number;
}
