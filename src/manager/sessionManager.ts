/**
 * What `createSessionManager` resolves to: the public face of the manager.
 */
import type { AnyActorRef } from 'xstate';
import type { TerminalRecord } from '../ground/outcome.js';
import type { JournalRecord } from '../journal/index.js';
import type { Registry } from '../registry/index.js';
import type { SessionView } from '../session/view.js';
import type { Dashboard } from './dashboardView.js';
import type { Session } from './sessionLifecycle.js';
import type { SessionSpec } from './sessionSpec.js';

export interface SessionManager {
  /** Starts a session; throws for bad input, a used id, or a manager that cannot record it. */
  createSession(spec: SessionSpec): Session;
  /** Cancels a live session (here or on its owner host); an ended one returns its record. */
  terminateSession(id: string, reason?: string): Promise<TerminalRecord>;
  /** Delivers an event to a session's child, wherever the session runs. */
  send(sessionId: string, childId: string, event: { type: string }): Promise<void>;
  /** Who owns a live session; `undefined` when none does. */
  locate(sessionId: string): Promise<{ hostId: string; local: boolean } | undefined>;
  /** The supervisor of a session of this host (registry key `session_supervisor:<id>`). */
  findSupervisor(id: string): AnyActorRef | undefined;
  getChild(id: string, childId: string): AnyActorRef | undefined;
  getSession(id: string): SessionView | undefined;
  /** Live sessions and the newest `retainEnded` ended ones, in created order. */
  listSessions(): SessionView[];
  /** Every journal record of one session, oldest first (read back from storage). */
  records(sessionId: string): Promise<JournalRecord[]>;
  /** Ended sessions read back from the journal, newest end first. */
  history(query?: { limit?: number; before?: number }): Promise<SessionView[]>;
  readonly dashboard: Dashboard;
  readonly registry: Registry;
  readonly hostId: string;
  readonly maxSessions: number;
  readonly timeoutMs: number | undefined;
  /** Absolute path under which session workspaces are created. */
  readonly workspaceRoot: string;
  /** The manager's own supervisor, the root of the actor system. */
  readonly root: AnyActorRef;
  /**
   * Stops every live session: each ends `cancelled`. With `handOff: true`,
   * durable sessions are checkpointed and released instead (no terminal
   * record, their processes killed), for the next run to resume.
   */
  stop(options?: { handOff?: boolean }): Promise<void>;
}
