/**
 * `createSupervisor(options)`: an OTP supervisor as XState actor logic.
 *
 * ```ts
 * const supervisor = createSupervisor({
 *   strategy: 'one_for_one',
 *   intensity: 3,
 *   period: 5000,
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
import { type AnyActorLogic, type AnyActorRef, createMachine } from 'xstate';
import { initialContext, supervisorMachine } from './supervisorMachine.js';
import type { SupervisorOptions } from './types.js';
import { resolveSupervisorOptions } from './validate.js';
import { stopsChildrenWithIt } from './xstateInternals.js';

const supervisorLogics = new WeakSet<object>([supervisorMachine]);

/** Counts a logic as a supervisor in `countChildren` (sessions are supervisors too). */
export function markSupervisorLogic(logic: AnyActorLogic): void {
  supervisorLogics.add(logic);
}

export function isSupervisorLogic(logic: AnyActorLogic): boolean {
  return supervisorLogics.has(logic);
}

export type SupervisorLogic = typeof supervisorMachine;

export function createSupervisor(options: SupervisorOptions = {}): SupervisorLogic {
  const resolved = resolveSupervisorOptions(options);
  // The shared machine with these options as its context: same statechart,
  // same named actions, so it reads the same in a visualizer.
  const logic = stopsChildrenWithIt(
    createMachine(
      {
        ...supervisorMachine.config,
        context: ({ self }: { self: AnyActorRef }) => initialContext(resolved, self),
      } as never,
      supervisorMachine.implementations as never,
    ) as unknown as SupervisorLogic,
  );
  supervisorLogics.add(logic);
  return logic;
}
