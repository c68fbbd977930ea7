/**
 * `xstate-otp/testing`: what a consumer's own test suite needs to script
 * process sessions with deterministic outcomes and check that no process
 * outlives them: the fixture program, scripted scenarios, pid watching, and
 * the process markers and sweeps that find (and kill) whatever a session
 * left running.
 *
 * ```ts
 * import { createSessionManager } from 'xstate-otp';
 * import { EXPECTED_OUTCOME, findMarkedProcesses, runScenario, SESSION_MARKER_ENV } from 'xstate-otp/testing';
 *
 * const manager = await createSessionManager();
 * const records = await runScenario(manager, [{ id: 'flaky', outcome: 'exit', exitCode: 3 }]);
 * console.log(records[0]?.outcome === EXPECTED_OUTCOME.exit); // true: 'failed'
 * await manager.stop();
 * console.log(findMarkedProcesses({ name: SESSION_MARKER_ENV, value: 'flaky' })); // []
 * ```
 */
// Must stay first: a clear error on an old Node.js before a dependency fails obscurely.
import '../ground/index.js';

export {
  type EnvMarker,
  findMarkedProcesses,
  findSessionProcesses,
  PROCESS_MARKER_ENV,
  SCOPE_MARKER_ENV,
  type ScopeSweepOptions,
  SESSION_MARKER_ENV,
  type SessionSweepOptions,
  type SweepOptions,
  type SweepResult,
  sweepMarkedProcesses,
  sweepScopeProcesses,
  sweepSessionProcesses,
} from '../process/index.js';
export {
  countDescendants,
  EXPECTED_OUTCOME,
  type FixtureCommand,
  type FixtureDescendant,
  type FixtureMode,
  type FixtureOptions,
  fixtureCommand,
  fixturePath,
  runScenario,
  type ScriptedOutcome,
  type ScriptedSession,
  scriptedSessionSpec,
  startScenario,
} from '../scripted/index.js';
export {
  isPidAlive,
  killPids,
  type ProcessWatch,
  type WaitOptions,
  waitForPidsGone,
  watchProcess,
} from './processes.js';
