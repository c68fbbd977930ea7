/**
 * The processes of one manager: what marks them, and the sweeps that kill
 * what a session or a dead host left behind.
 *
 * ```ts
 * const processes = createProcessSweeper(store);             // its scope and pause bound
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
 * A cluster store's `pausedHostBoundMs` (its lease) becomes the host
 * watchdog's pause bound from the manager's first process on, until `close`:
 * a host stopped for longer has its processes killed while it is stopped.
 */
import type { ChildEnvironment } from '../ground/environment.js';
import { boundHostPause, sweepScopeProcesses, sweepSessionProcesses } from '../process/index.js';
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
  /** The manager stopped: its pause bound no longer applies. */
  close(): void;
}

export function createProcessSweeper(
  store: Pick<SessionStore, 'scope' | 'pausedHostBoundMs'>,
): ProcessSweeper {
  const { scope } = store;
  const started = new Set<string>();
  const boundMs = pauseBound(store.pausedHostBoundMs);
  let releaseBound: (() => void) | undefined;
  let closed = false;
  return {
    environmentOf: (sessionId) => ({
      sessionId,
      scope,
      onProcessStart: () => {
        started.add(sessionId);
        // Set on the first process: a manager that starts none bounds nothing.
        if (boundMs !== undefined && !releaseBound && !closed) {
          releaseBound = boundHostPause(boundMs);
        }
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
      releaseBound?.();
      releaseBound = undefined;
    },
  };
}

/** A store's bound as whole ms; none unless it is a positive number. */
function pauseBound(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) && ms > 0 ? Math.ceil(ms) : undefined;
}
