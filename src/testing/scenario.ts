/**
 * Scripted mixed-outcome scenarios: process sessions whose outcome is
 * decided in advance by the fixture program, for a consumer's own tests and
 * for the demo.
 *
 * ```ts
 * import { createSessionManager } from 'xstate-otp';
 * import { runScenario } from 'xstate-otp/testing';
 *
 * const manager = await createSessionManager();
 * const records = await runScenario(manager, [
 *   { id: 'ok', outcome: 'success' },
 *   { id: 'flaky', outcome: 'exit', exitCode: 3 },   // exhausts its restarts: failed
 *   { id: 'crash', outcome: 'signal' },              // dies by SIGKILL: failed
 *   { id: 'stopped', outcome: 'cancel' },            // terminated once running: cancelled
 *   { id: 'slow', outcome: 'timeout' },              // hangs past its timeoutMs: timed_out
 * ]);
 * records.map((r) => r.outcome); // completed, failed, failed, cancelled, timed_out
 * ```
 *
 * Each session runs one significant, transient process child `agent`, so a
 * clean exit completes the session and a failure is restarted until the
 * session's intensity is spent.
 */

import type { TerminalRecord } from '../journal/index.js';
import type { Session, SessionManager } from '../manager/createSessionManager.js';
import type { SessionSpec } from '../manager/sessionSpec.js';
import { fromProcess } from '../process/fromProcess.js';
import { type FixtureDescendant, fixtureCommand } from './fixtureCommand.js';

export type ScriptedOutcome = 'success' | 'exit' | 'signal' | 'cancel' | 'timeout';

/** The outcome each script leads to. */
export const EXPECTED_OUTCOME = {
  success: 'completed',
  exit: 'failed',
  signal: 'failed',
  cancel: 'cancelled',
  timeout: 'timed_out',
} as const satisfies Record<ScriptedOutcome, TerminalRecord['outcome']>;

export interface ScriptedSession {
  id: string;
  outcome: ScriptedOutcome;
  /** How long the process runs before it acts (ms, real time). Default 50. */
  delayMs?: number;
  /** For 'exit'. Default 1. */
  exitCode?: number;
  /** For 'signal'. Default SIGKILL. */
  signal?: NodeJS.Signals;
  /** Restarts allowed before the session fails. Default 2 ('signal': 0). */
  intensity?: number;
  /** For 'timeout'. Default 300. */
  timeoutMs?: number;
  /** For 'cancel': terminate this long after creation. Default 100. */
  cancelAfterMs?: number;
  /** Processes the agent starts and leaves running (they must die with it). */
  spawn?: FixtureDescendant[];
  /** Lines the agent prints. */
  lines?: number;
  metadata?: Record<string, unknown>;
}

function agentCommand(script: ScriptedSession) {
  const delayMs = script.delayMs ?? 50;
  const common = {
    delayMs,
    announce: true,
    ...(script.spawn ? { spawn: script.spawn } : {}),
    ...(script.lines ? { lines: script.lines } : {}),
  };
  switch (script.outcome) {
    case 'success':
      return fixtureCommand({ mode: 'succeed', ...common });
    case 'exit':
      return fixtureCommand({ mode: 'exit', code: script.exitCode ?? 1, ...common });
    case 'signal':
      return fixtureCommand({ mode: 'signal', signal: script.signal ?? 'SIGKILL', ...common });
    default:
      return fixtureCommand({ mode: 'hang', ...common });
  }
}

/** The session spec that plays out `script`. */
export function scriptedSessionSpec(script: ScriptedSession): SessionSpec {
  const intensity = script.intensity ?? (script.outcome === 'signal' ? 0 : 2);
  return {
    id: script.id,
    autoShutdown: 'any_significant',
    intensity,
    period: 60_000,
    metadata: { scripted: script.outcome, ...script.metadata },
    ...(script.outcome === 'timeout' ? { timeoutMs: script.timeoutMs ?? 300 } : {}),
    children: [
      {
        id: 'agent',
        logic: fromProcess(),
        input: { ...agentCommand(script), forceKillAfterMs: 1000 },
        restart: 'transient',
        significant: true,
        shutdown: 2000,
      },
    ],
  };
}

/** Starts every scripted session; `cancel` scripts are terminated after their delay. */
export function startScenario(manager: SessionManager, scripts: ScriptedSession[]): Session[] {
  return scripts.map((script) => {
    const session = manager.createSession(scriptedSessionSpec(script));
    if (script.outcome === 'cancel') {
      const timer = setTimeout(() => {
        manager.terminateSession(script.id, 'cancelled by the scenario').catch(() => {});
      }, script.cancelAfterMs ?? 100);
      session.done.finally(() => clearTimeout(timer)).catch(() => {});
    }
    return session;
  });
}

/** Runs the scenario to the end; the terminal records in the scripts' order. */
export async function runScenario(
  manager: SessionManager,
  scripts: ScriptedSession[],
): Promise<TerminalRecord[]> {
  return Promise.all(startScenario(manager, scripts).map((session) => session.done));
}
