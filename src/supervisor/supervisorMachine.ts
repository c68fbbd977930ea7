/**
 * The supervisor statechart.
 *
 * ```
 * live: running ⇄ stopping     (stop work, one child at a time)
 *   │   running ⇄ restarting   (restarts waiting out their backoff)
 *   ├─ otp.shutdown ─────────────────────┐
 *   ├─ always [reachedMaxIntensity] ─────┤
 *   ├─ always [childFailedToStart] ──────┼→ ending (stop every child) → done | failed
 *   └─ always [significantChildEnded] ───┘
 * ```
 *
 * In `live` child exits and admin requests are handled as they come: each
 * is one plan (`plan.ts`), computed purely from the context and the event,
 * assigned, and carried out by the executor (`executor.ts`); the states and
 * actions are shared with the session machine (`supervision.ts`). Work that
 * stops children one at a time (a one_for_all or rest_for_one restart,
 * `terminateChild`) is queued as stop jobs and carried out in
 * `live.stopping`, each child with its own `shutdown` grace. Restarts with
 * a backoff wait in `live.restarting`, on one timer for the earliest. Stop
 * work comes first: a restart that falls due meanwhile starts when it is
 * done, as an OTP supervisor busy terminating a child handles nothing else.
 *
 * Shutdown, escalation (max restart intensity, an initial child that cannot
 * start) and auto-shutdown all go to `ending`, which stops every child in
 * reverse start order the same way, then reaches `done` (output
 * `{ reason, restarts }`) or `failed`, where it escalates by erroring with
 * its `SupervisorError`. Stopped abruptly instead (XState's `stop()`, or a
 * parent that stops it), it stops every child at once: see `teardown`.
 */
import {
  type AnyActorScope,
  type AnyMachineSnapshot,
  and,
  type EventObject,
  fromCallback,
  setup,
} from 'xstate';
import { TAKES_ENVIRONMENT } from '../ground/environment.js';
import type { SupervisorError } from '../ground/errors.js';
import { SHUTDOWN_EVENT } from '../ground/shutdown.js';
import { stopChildActor } from './childActors.js';
import { asChildExit, CHILD_EXIT } from './childExit.js';
import { initialContext, type SupervisorContext } from './childTable.js';
import {
  endingHandlers,
  forSetup,
  type SupervisorEvent,
  stopSequence,
  supervising,
  supervisingHandlers,
  supervisionActions,
  supervisionDelays,
  supervisionGuards,
} from './supervision.js';
import { SUPERVISOR_LOGIC } from './supervisorLogic.js';
import type { SupervisorEmitted, SupervisorOptions, SupervisorOutput } from './types.js';
import { resolveSupervisorOptions } from './validate.js';
import { TeardownMachine } from './xstateInternals.js';

export type { SupervisorEvent } from './supervision.js';
export type { SupervisorOutput } from './types.js';

const machine = setup({
  types: {
    context: {} as SupervisorContext,
    // `void`, not `undefined`: XState drops `undefined` from an input type,
    // which would make the (optional) options a required input.
    // biome-ignore lint/suspicious/noConfusingVoidType: see above
    input: {} as SupervisorOptions | void,
    events: {} as SupervisorEvent,
    emitted: {} as SupervisorEmitted,
    output: {} as SupervisorOutput,
  },
  actors: {
    /** Escalation: erroring here makes the supervisor itself error with the reason. */
    escalate: fromCallback<EventObject, SupervisorError>(({ input: error }) => {
      throw error;
    }),
  },
  delays: forSetup(supervisionDelays),
  guards: {
    ...forSetup(supervisionGuards),
    failsWithNothingToStop: ({ context }) =>
      context.ending?.kind === 'fail' && context.table.activeCount === 0,
    endsWithNothingToStop: ({ context }) =>
      context.ending !== undefined &&
      context.ending.kind !== 'fail' &&
      context.table.activeCount === 0,
  },
  actions: forSetup(supervisionActions),
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => initialContext(resolveSupervisorOptions(input ?? undefined)),
  initial: 'live',
  states: {
    live: {
      // The plan is made with the initial state; the executor starts the
      // children once the actor runs and is registered (XState defers the
      // initial actions until the actor starts).
      entry: ['registerSelf', 'startInitialChildren'],
      on: {
        ...supervisingHandlers,
        [SHUTDOWN_EVENT]: [
          { guard: 'nothingToStop', target: 'done', actions: 'decideShutdown' },
          { target: 'ending', actions: 'decideShutdown' },
        ],
      },
      always: [
        // Nothing left to stop (or to give up): straight to the end.
        { guard: 'failsWithNothingToStop', target: 'failed' },
        { guard: 'endsWithNothingToStop', target: 'done' },
        { guard: 'reachedMaxIntensity', target: 'ending' },
        { guard: 'childFailedToStart', target: 'ending' },
        { guard: 'significantChildEnded', target: 'ending' },
      ],
      ...supervising('#supervisor.live', 'running'),
    },
    ending: {
      entry: 'beginEnding',
      on: endingHandlers,
      ...stopSequence('#supervisor.ending', [
        { guard: and(['stopJobDone', 'isEscalating']), target: '#supervisor.failed' },
        { guard: 'stopJobDone', target: '#supervisor.done' },
      ]),
    },
    done: { type: 'final' },
    failed: {
      // Late exits of children are ignored; the escalation's error goes unhandled.
      on: { [CHILD_EXIT]: {} },
      invoke: {
        id: 'otp.escalate',
        src: 'escalate',
        // The error carries the restart count (the session reads it).
        input: ({ context }) => (context.ending as { error: SupervisorError }).error,
      },
    },
  },
  output: ({ context }) => ({
    reason: context.ending?.kind === 'auto_shutdown' ? 'auto_shutdown' : 'shutdown',
    restarts: context.totalRestarts,
  }),
});

/** Stops every child of the table at once, in reverse start order: XState stopped the supervisor. */
export function stopEveryChild(snapshot: { context?: SupervisorContext }): void {
  const table = snapshot.context?.table;
  if (!table) return;
  const records = table.inStartOrder();
  for (let i = records.length - 1; i >= 0; i--) stopChildActor(records[i]!.incarnation?.ref);
}

/**
 * The supervisor machine class: stopped abruptly, it stops its children
 * (they are not XState's `snapshot.children`, see `childActors.ts`); its
 * statechart sees every child's exit as one `otp.child.exit` event (see
 * `childExit.ts`); it counts as a supervisor and takes the environment
 * through its input. All of it survives `.provide()`.
 */
export class SupervisorStateMachine extends TeardownMachine {
  constructor(config: unknown, implementations: unknown) {
    super(config, implementations, stopEveryChild as never);
  }

  override transition(
    snapshot: AnyMachineSnapshot,
    event: EventObject,
    actorScope: AnyActorScope,
  ): AnyMachineSnapshot {
    return super.transition(snapshot, asChildExit(snapshot, event), actorScope);
  }

  get [SUPERVISOR_LOGIC](): true {
    return true;
  }

  get [TAKES_ENVIRONMENT](): true {
    return true;
  }
}

export type SupervisorLogic = typeof machine;

/** The supervisor statechart; `input` is its `SupervisorOptions`. */
export const supervisorMachine = new SupervisorStateMachine(
  machine.config,
  machine.implementations,
) as unknown as SupervisorLogic;
