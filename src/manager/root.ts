/**
 * The manager's root: a one_for_one supervisor whose children are the
 * sessions (temporary: never restarted, their outcome is recorded instead),
 * and the root of the actor system every session and child lives in.
 *
 * ```ts
 * import { systemNow } from '../ground/index.js';
 *
 * const root = startRoot({ registry, clock, inspect });
 * systemNow(root);   // the system clock: a SimulatedClock when one is given
 * ```
 */
import { type ActorOptions, type AnyActorLogic, type AnyActorRef, createActor } from 'xstate';
import { definedFields } from '../ground/defined.js';
import type { Registry } from '../registry/index.js';
import { createSupervisor } from '../supervisor/index.js';

export function startRoot(options: {
  registry: Registry;
  clock: ActorOptions<AnyActorLogic>['clock'];
  inspect: ActorOptions<AnyActorLogic>['inspect'];
}): AnyActorRef {
  const root = createActor(
    createSupervisor({ strategy: 'one_for_one', registry: options.registry }),
    definedFields({ clock: options.clock, inspect: options.inspect }),
  );
  // The root never fails (its children are temporary), but an error here
  // must never reach the host as an unhandled one.
  root.subscribe({ error: () => {} });
  root.start();
  return root;
}
