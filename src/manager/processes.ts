/**
 * The processes of one manager: what marks them, and the sweeps that kill
 * what a session or a dead host left behind.
 *
 * ```ts
 * const processes = createProcessSweeper(store);             // its scope and lease deadlines
 * const environment = processes.environmentOf('fix-bug-42'); // handed down to fromProcess
 * await processes.sweepSession('fix-bug-42');                 // when that session ends
 * await processes.sweepLeftovers();                           // at startup
 * processes.close();                                          // the manager stopped
 * ```
 *
 * Every process a session starts carries two markers in its environment:
 * the session id and the manager's scope (a digest of its journal). Sweeps
 * match both, so a manager never touches another manager's processes, even
 * when their session ids coincide. Only sessions that started a process pay
 * for a `/proc` scan when they end.
 *
 * A cluster store's lease deadlines (`onLeaseDeadline`) go on to the host
 * watchdog from the manager's first process on, until `close`: a host still
 * stopped once its lease deadline has passed has its processes killed.
 */
import type { ChildEnvironment } from '../ground/environment.js';
import {
  holdLeaseDeadline,
  type LeaseDeadline,
  sweepScopeProcesses,
  sweepSessionProcesses,
} from '../process/index.js';
import type { SessionStore } from './store.js';

export interface ProcessSweeper {
  /** What the session's supervisor hands down to every child. */
  environmentOf(sessionId: string): ChildEnvironment;
  /** Kills what the session left running (escaped its tree), if it started a process. */
  sweepSession(sessionId: string): Promise<void>;
  /**
   * Kills every process of this scope (startup reconciliation: nothing runs
   * yet, so whatever carries the scope was left by an earlier run).
   */
  sweepLeftovers(): Promise<void>;
  /** The manager stopped: its lease deadline no longer applies. */
  close(): void;
}

export function createProcessSweeper(
  store: Pick<SessionStore, 'scope' | 'onLeaseDeadline'>,
): ProcessSweeper {
  const { scope } = store;
  const started = new Set<string>();
  let deadline: { held: LeaseDeadline; unsubscribe: () => void } | undefined;
  let closed = false;
  const forwardDeadlines = () => {
    if (!store.onLeaseDeadline || deadline || closed) return;
    const held = holdLeaseDeadline();
    // The store tells its latest deadline at once, then each renewal's.
    const unsubscribe = store.onLeaseDeadline((ms) => held.set(ms));
    deadline = { held, unsubscribe };
  };
  return {
    environmentOf: (sessionId) => ({
      sessionId,
      scope,
      onProcessStart: () => {
        started.add(sessionId);
        // From the first process on: a manager that starts none has nothing to kill.
        forwardDeadlines();
      },
    }),
    sweepSession: async (sessionId) => {
      if (!started.delete(sessionId)) return;
      await sweepSessionProcesses(sessionId, { scope, forceKillAfterMs: 0 });
    },
    sweepLeftovers: async () => {
      await sweepScopeProcesses(scope, { forceKillAfterMs: 1000 });
    },
    close: () => {
      closed = true;
      deadline?.unsubscribe();
      deadline?.held.release();
      deadline = undefined;
    },
  };
}
