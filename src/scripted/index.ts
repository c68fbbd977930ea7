/**
 * Scripted sessions for tests and the demo: a fixture program whose
 * behaviour is decided in advance (`fixture.mjs`), and sessions built on it
 * whose outcome is known before they run. Published as `xstate-otp/testing`.
 *
 * ```ts
 * import { createSessionManager } from 'xstate-otp';
 * import { runScenario } from './index.js';
 *
 * const manager = await createSessionManager();
 * const records = await runScenario(manager, [{ id: 'ok', outcome: 'success' }]);
 * await manager.stop();
 * ```
 */
export {
  countDescendants,
  type FixtureCommand,
  type FixtureDescendant,
  type FixtureMode,
  type FixtureOptions,
  fixtureCommand,
  fixturePath,
} from './fixtureCommand.js';
export {
  EXPECTED_OUTCOME,
  runScenario,
  type ScriptedOutcome,
  type ScriptedSession,
  scriptedSessionSpec,
  startScenario,
} from './scenario.js';
