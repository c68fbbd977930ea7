/**
 * The processes of one manager: what marks them, and the sweeps that kill
 * what a session or a dead host left behind.
 *
 * ```ts
 * const processes = createProcessSweeper(store.scope);
 * const environment = processes.environmentOf('fix-bug-42'); // handed down to fromProcess
 * await processes.sweepSession('fix-bug-42');                 // when that session ends
 * await processes.sweepLeftovers();                           // at startup
 * ```
 *
 * Every process a session starts carries two markers in its environment:
 * the session id and the manager's scope (a digest of its journal). Sweeps
 * match both, so a manager never touches another manager's processes, even
 * when their session ids coincide. Only sessions that started a process pay
 * for a `/proc` scan when they end.
 */
import type { ChildEnvironment } from '../ground/environment.js';
import { sweepScopeProcesses, sweepSessionProcesses } from '../process/index.js';

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
}

export function createProcessSweeper(scope: string): ProcessSweeper {
  const started = new Set<string>();
  return {
    environmentOf: (sessionId) => ({
      sessionId,
      scope,
      onProcessStart: () => {
        started.add(sessionId);
      },
    }),
    sweepSession: async (sessionId) => {
      if (!started.delete(sessionId)) return;
      await sweepSessionProcesses(sessionId, { scope, forceKillAfterMs: 0 });
    },
    sweepLeftovers: async () => {
      await sweepScopeProcesses(scope, { forceKillAfterMs: 1000 });
    },
  };
}
