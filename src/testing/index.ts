/**
 * `xstate-otp/testing`: what a consumer's own test suite needs to script
 * process sessions with deterministic outcomes and check that no process
 * outlives them.
 */
// Must stay first: a clear error on an old Node.js before a dependency fails obscurely.
import '../ground/requireNodeVersion.js';

export {
  countDescendants,
  type FixtureCommand,
  type FixtureDescendant,
  type FixtureMode,
  type FixtureOptions,
  fixtureCommand,
  fixturePath,
} from '../scripted/fixtureCommand.js';
export {
  EXPECTED_OUTCOME,
  runScenario,
  type ScriptedOutcome,
  type ScriptedSession,
  scriptedSessionSpec,
  startScenario,
} from '../scripted/scenario.js';
export {
  isPidAlive,
  killPids,
  type ProcessWatch,
  type WaitOptions,
  waitForPidsGone,
  watchProcess,
} from './processes.js';
