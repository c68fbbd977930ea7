/**
 * `createSupervisor(options)`: an OTP supervisor as XState actor logic.
 *
 * ```ts
 * const supervisor = createSupervisor({
 *   strategy: 'one_for_one',
 *   intensity: 3,
 *   period: 5000,
 *   backoff: { minMs: 100, maxMs: 10_000 },   // optional: restarts wait, growing
 *   children: [{ id: 'worker', logic: workerMachine, restart: 'permanent' }],
 * });
 * const sup = createActor(supervisor).start();   // or invoke / spawn it
 * ```
 *
 * A crashed child is restarted as its restart type and the strategy say; more
 * than `intensity` restarts within `period` ms stop every child in reverse
 * start order and fail the supervisor with
 * `SupervisorError('max_restart_intensity')`, which its parent receives as
 * `xstate.error.actor.<id>`. A root supervisor's failure is an XState error
 * at the root: subscribe with an `error` observer, as for any root actor.
 * Sent `SHUTDOWN_EVENT`, it shuts its children down and completes.
 *
 * The options are checked here, so a bad spec throws
 * `SupervisorError('invalid_spec')` before any actor exists.
 */
import type { ChildEnvironment } from '../ground/environment.js';
import { initialContext } from './childTable.js';
import {
  type SupervisorLogic,
  SupervisorStateMachine,
  supervisorMachine,
} from './supervisorMachine.js';
import type { SupervisorOptions } from './types.js';
import { resolveSupervisorOptions } from './validate.js';

export type { SupervisorLogic } from './supervisorMachine.js';

export function createSupervisor(options: SupervisorOptions = {}): SupervisorLogic {
  const resolved = resolveSupervisorOptions(options);
  // The shared statechart with these options as its context: same states,
  // same named actions, so it reads the same in a visualizer. Its input is
  // only what a parent supervisor hands down: the environment.
  const context = ({ input }: { input?: { environment?: ChildEnvironment } | undefined }) => {
    const handedDown = input?.environment;
    if (handedDown === undefined) return initialContext(resolved);
    return initialContext({
      ...resolved,
      environment: { ...handedDown, ...resolved.environment },
    });
  };
  return new SupervisorStateMachine(
    { ...supervisorMachine.config, context },
    supervisorMachine.implementations,
  ) as unknown as SupervisorLogic;
}
