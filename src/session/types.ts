import type { Outcome } from '../ground/outcome.js';
import type { ResolvedSupervisorOptions, SupervisorEvent } from '../supervisor/index.js';
import type { WorkspaceLocation, WorkspacePlan, WorkspaceRecorder } from '../workspace/types.js';

export type { SessionState } from './view.js';

/** What the session manager hands a session actor. */
export interface SessionInput {
  id: string;
  /** The session's supervision, resolved: strategy, intensity, period, autoShutdown, children. */
  supervisor: ResolvedSupervisorOptions;
  /** Terminal `timed_out` this many ms after the session was created. */
  timeoutMs?: number | undefined;
  /** Creation time on the system clock; the deadline counts from it. */
  createdAt: number;
  /** The restarts counted so far: a resumed durable session's previous attempts'. Default 0. */
  restarts?: number | undefined;
  /**
   * Claims the session's id before anything starts (cluster mode); a
   * rejection errors the session with the store's error. Absent: nothing to claim.
   */
  claim?: (() => Promise<void>) | undefined;
  /**
   * The workspace to create in `starting` and release in `finalizing`, and
   * who to tell about each step (the manager journals and shows them).
   */
  workspace?:
    | {
        plan: WorkspacePlan;
        record: WorkspaceRecorder;
        /** Awaited before the workspace is released: the manager kills stray processes still in it. */
        beforeRelease?: () => Promise<void>;
        /**
         * A resumed attempt whose previous attempt's journal says it created
         * this workspace: it is reused if it is still there (`reuseWorkspace`).
         */
        reuse?: boolean | undefined;
      }
    | undefined;
}

/** The session actor's output: how it ended. The manager turns it into a terminal record. */
export interface SessionOutput {
  outcome: Exclude<Outcome, 'interrupted'>;
  reason?: string;
  /**
   * Ended by a hand-off (`session.cancel` with `handOff: true`): the session
   * goes on in another attempt, so its workspace was not released and no
   * terminal record is due.
   */
  handedOff?: true;
  restarts: number;
  endedAt: number;
}

export type SessionEvent =
  | SupervisorEvent
  | {
      type: 'session.cancel';
      reason?: string;
      /** Stopped to go on in another attempt: the workspace stays (see `SessionOutput.handedOff`). */
      handOff?: boolean;
    }
  | { type: 'session.deadline' }
  | { type: 'session.fail'; reason: string }
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error?: unknown }
  | { type: 'workspace.created'; location: WorkspaceLocation }
  | { type: 'workspace.failed'; error: unknown };
