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
 * is one step (`steps.ts`) whose decisions come from the pure planners
 * (`decisions.ts`), applied with `assign`, `emit` and `sendTo`. Work that
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
  type AnyActorRef,
  type AnyActorScope,
  type AnyMachineSnapshot,
  and,
  assertEvent,
  assign,
  type EventObject,
  enqueueActions,
  fromCallback,
  sendTo,
  setup,
} from 'xstate';
import { systemNow } from '../ground/clock.js';
import { TAKES_ENVIRONMENT } from '../ground/environment.js';
import type { SupervisorError } from '../ground/errors.js';
import { SHUTDOWN_EVENT } from '../ground/shutdown.js';
import {
  canAnswerShutdown,
  isAlive,
  reapOrphans,
  startChildActor,
  stopChildActor,
} from './childActors.js';
import { asChildExit, CHILD_EXIT, type ChildExitEvent } from './childExit.js';
import {
  type ChildRecord,
  initialContext,
  type SupervisorContext,
  stopHeadId,
} from './childTable.js';
import {
  beginEnding,
  childExited,
  deleteRequested,
  finishStopJob,
  markStopHeadAsked,
  restartRequested,
  retryStart,
  type Step,
  type StepEffects,
  startDueRestarts,
  startInitialChildren,
  startRequested,
  stopHeadExited,
  stopHeadNow,
  terminateRequested,
} from './steps.js';
import { SUPERVISOR_LOGIC } from './supervisorLogic.js';
import type {
  ResolvedChildSpec,
  SupervisorEmitted,
  SupervisorOptions,
  SupervisorOutput,
} from './types.js';
import { resolveSupervisorOptions } from './validate.js';
import { TeardownMachine } from './xstateInternals.js';

export type { SupervisorOutput } from './types.js';

export type SupervisorEvent =
  | { type: typeof SHUTDOWN_EVENT; reason?: string }
  | { type: 'otp.startInitialChildren' }
  | { type: 'otp.retry'; id: string; error: unknown }
  | { type: 'otp.child.start'; spec: ResolvedChildSpec }
  | { type: 'otp.child.restart'; id: string }
  | { type: 'otp.child.delete'; id: string }
  | { type: 'otp.child.terminate'; id: string }
  | ChildExitEvent;

function headRecord(context: SupervisorContext): ChildRecord | undefined {
  const id = stopHeadId(context);
  return id === undefined ? undefined : context.table.get(id);
}

function earliestRestart(context: SupervisorContext): number | undefined {
  let earliest: number | undefined;
  for (const batch of context.pendingRestarts) {
    if (earliest === undefined || batch.dueAt < earliest) earliest = batch.dueAt;
  }
  return earliest;
}

/** An exit that is not news: a child we no longer track, or an earlier incarnation's. */
function isStale(context: SupervisorContext, event: SupervisorEvent): boolean {
  const record = context.table.get((event as ChildExitEvent).id);
  return record === undefined || record.ref === undefined || isAlive(record.ref);
}

function effectsOf(self: AnyActorRef, context: SupervisorContext): StepEffects {
  return {
    now: systemNow(self),
    random: Math.random,
    start: (spec) => startChildActor(spec, self, context.options),
    stop: stopChildActor,
    reap: reapOrphans,
    answersShutdown: canAnswerShutdown,
  };
}

interface StepQueue {
  assign(assignment: () => SupervisorContext): void;
  emit(event: SupervisorEmitted): void;
  sendTo(target: AnyActorRef, event: SupervisorEvent): void;
}

/**
 * Applies a step: its context by `assign` (none when the step changed
 * nothing), its events by `emit`, its retries through the mailbox.
 */
function applyStep(
  enqueue: StepQueue,
  self: AnyActorRef,
  context: SupervisorContext,
  step: Step,
): void {
  if (step.context !== context) enqueue.assign(() => step.context);
  for (const event of step.emitted) enqueue.emit(event);
  for (const retry of step.retries) enqueue.sendTo(self, { type: 'otp.retry', ...retry });
}

const stopSequence = <const Done extends readonly object[]>(path: string, whenDone: Done) =>
  ({
    initial: 'nextChild',
    states: {
      nextChild: {
        always: [
          ...whenDone,
          // Targetless: each stop changes the context, so this is evaluated again.
          { guard: 'stopHeadGoesAtOnce', actions: 'stopHeadNow' },
          {
            guard: 'stopHeadWaitsForever',
            target: 'awaitingExit.indefinitely',
            actions: ['markStopHeadAsked', 'askStopHeadToShutDown'],
          },
          {
            target: 'awaitingExit.withinGrace',
            actions: ['markStopHeadAsked', 'askStopHeadToShutDown'],
          },
        ],
      },
      awaitingExit: {
        on: {
          [CHILD_EXIT]: { guard: 'isStopHeadExit', target: 'nextChild', actions: 'settleStopHead' },
        },
        initial: 'withinGrace',
        states: {
          withinGrace: {
            after: { stopHeadGrace: { target: `${path}.nextChild`, actions: 'stopHeadNow' } },
          },
          indefinitely: {},
        },
      },
    },
  }) as const;

const handleExit = [{ guard: 'isStaleExit' }, { actions: 'handleChildExit' }] as const;

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
  delays: {
    // Delays are given `self`, so they read the system clock.
    stopHeadGrace: ({ context, self }) => {
      const deadline = headRecord(context)?.stopDeadline ?? 0;
      return Number.isFinite(deadline) ? Math.max(0, deadline - systemNow(self)) : 0;
    },
    untilNextRestart: ({ context, self }) =>
      Math.max(0, (earliestRestart(context) ?? 0) - systemNow(self)),
  },
  guards: {
    isStaleExit: ({ context, event }) => isStale(context, event),
    isStopHeadExit: ({ context, event }) =>
      (event as ChildExitEvent).id === stopHeadId(context) && !isStale(context, event),
    isStaleRetry: ({ context, event }) => {
      const record = context.table.get((event as { id: string }).id);
      return context.ending !== undefined || record?.status !== 'restarting' || !!record.ref;
    },
    isNewChild: ({ context, event }) =>
      context.table.get((event as { spec: ResolvedChildSpec }).spec.id) === undefined,
    isStoppedChild: ({ context, event }) => {
      const record = context.table.get((event as { id: string }).id);
      return record?.status === 'stopped' && record.ref === undefined;
    },
    hasStopWork: ({ context }) => context.stopWork.length > 0,
    stopJobDone: ({ context }) => (context.stopWork[0]?.ids.length ?? 0) === 0,
    stopHeadGoesAtOnce: ({ context }) => {
      const record = headRecord(context);
      if (!record || !isAlive(record.ref)) return true;
      if (record.stopDeadline !== undefined) return false; // asked already: it has its grace
      return record.spec.shutdown === 'brutal_kill' || !canAnswerShutdown(record.ref);
    },
    stopHeadWaitsForever: ({ context }) => {
      const record = headRecord(context);
      if (record?.stopDeadline !== undefined) return record.stopDeadline === Infinity;
      return record?.spec.shutdown === 'infinity';
    },
    hasPendingRestarts: ({ context }) => context.pendingRestarts.length > 0,
    noPendingRestarts: ({ context }) => context.pendingRestarts.length === 0,
    earlierRestartPending: ({ context }) =>
      (earliestRestart(context) ?? Infinity) < (context.restartTimerAt ?? Infinity),
    reachedMaxIntensity: ({ context }) =>
      context.ending?.kind === 'fail' && context.ending.error.code === 'max_restart_intensity',
    childFailedToStart: ({ context }) =>
      context.ending?.kind === 'fail' && context.ending.error.code === 'start_failed',
    significantChildEnded: ({ context }) => context.ending?.kind === 'auto_shutdown',
    isEscalating: ({ context }) => context.ending?.kind === 'fail',
    // No child runs, is being stopped or waits to restart: an ending has nothing to do.
    nothingToStop: ({ context }) => context.table.activeCount === 0,
    failsWithNothingToStop: ({ context }) =>
      context.ending?.kind === 'fail' && context.table.activeCount === 0,
    endsWithNothingToStop: ({ context }) =>
      context.ending !== undefined &&
      context.ending.kind !== 'fail' &&
      context.table.activeCount === 0,
  },
  actions: {
    registerSelf: ({ context, self }) => {
      const { registry, registerAs } = context.options;
      if (registry && registerAs !== undefined) registry.register(registerAs, self);
    },
    requestInitialChildren: sendTo(({ self }) => self, { type: 'otp.startInitialChildren' }),
    startInitialChildren: enqueueActions(({ context, self, enqueue }) =>
      applyStep(enqueue, self, context, startInitialChildren(context, effectsOf(self, context))),
    ),
    handleChildExit: enqueueActions(({ context, event, self, enqueue }) => {
      assertEvent(event, CHILD_EXIT);
      applyStep(enqueue, self, context, childExited(context, effectsOf(self, context), event));
    }),
    retryChildStart: enqueueActions(({ context, event, self, enqueue }) => {
      assertEvent(event, 'otp.retry');
      applyStep(enqueue, self, context, retryStart(context, effectsOf(self, context), event));
    }),
    startDueRestarts: enqueueActions(({ context, self, enqueue }) =>
      applyStep(enqueue, self, context, startDueRestarts(context, effectsOf(self, context))),
    ),
    armRestartTimer: assign({ restartTimerAt: ({ context }) => earliestRestart(context) }),
    startChildOnRequest: enqueueActions(({ context, event, self, enqueue }) => {
      assertEvent(event, 'otp.child.start');
      applyStep(
        enqueue,
        self,
        context,
        startRequested(context, effectsOf(self, context), event.spec),
      );
    }),
    restartChildOnRequest: enqueueActions(({ context, event, self, enqueue }) => {
      assertEvent(event, 'otp.child.restart');
      applyStep(
        enqueue,
        self,
        context,
        restartRequested(context, effectsOf(self, context), event.id),
      );
    }),
    deleteChildOnRequest: enqueueActions(({ context, event, self, enqueue }) => {
      assertEvent(event, 'otp.child.delete');
      applyStep(
        enqueue,
        self,
        context,
        deleteRequested(context, effectsOf(self, context), event.id),
      );
    }),
    terminateChildOnRequest: enqueueActions(({ context, event, self, enqueue }) => {
      assertEvent(event, 'otp.child.terminate');
      applyStep(
        enqueue,
        self,
        context,
        terminateRequested(context, effectsOf(self, context), event.id),
      );
    }),
    decideShutdown: assign({ ending: ({ context }) => context.ending ?? { kind: 'shutdown' } }),
    beginEnding: enqueueActions(({ context, self, enqueue }) =>
      applyStep(enqueue, self, context, beginEnding(context, effectsOf(self, context))),
    ),
    stopHeadNow: enqueueActions(({ context, self, enqueue }) =>
      applyStep(enqueue, self, context, stopHeadNow(context, effectsOf(self, context))),
    ),
    settleStopHead: enqueueActions(({ context, self, enqueue }) =>
      applyStep(enqueue, self, context, stopHeadExited(context, effectsOf(self, context))),
    ),
    finishStopJob: enqueueActions(({ context, self, enqueue }) =>
      applyStep(enqueue, self, context, finishStopJob(context, effectsOf(self, context))),
    ),
    markStopHeadAsked: assign(({ context, self }) => markStopHeadAsked(context, systemNow(self))),
    // Deferred to the end of the macrostep, after any stop made before it in
    // this step, so the stop order holds.
    askStopHeadToShutDown: sendTo(({ context }) => headRecord(context)!.ref!, {
      type: SHUTDOWN_EVENT,
    }),
    // Answering SHUTDOWN_EVENT while ending (rather than having no
    // transition for it) makes a parent that asks wait for the end.
    alreadyEnding: () => {},
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => initialContext(resolveSupervisorOptions(input ?? undefined)),
  initial: 'live',
  states: {
    live: {
      // Children start from the mailbox, once the supervisor runs and is
      // registered: XState resolves initial actions while the actor is
      // still being constructed, before anything can look it up.
      entry: ['registerSelf', 'requestInitialChildren'],
      on: {
        'otp.startInitialChildren': { actions: 'startInitialChildren' },
        [CHILD_EXIT]: handleExit,
        'otp.retry': [{ guard: 'isStaleRetry' }, { actions: 'retryChildStart' }],
        'otp.child.start': { guard: 'isNewChild', actions: 'startChildOnRequest' },
        'otp.child.restart': { guard: 'isStoppedChild', actions: 'restartChildOnRequest' },
        'otp.child.delete': { guard: 'isStoppedChild', actions: 'deleteChildOnRequest' },
        'otp.child.terminate': { actions: 'terminateChildOnRequest' },
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
      initial: 'running',
      states: {
        // Nothing to do but answer: where stop work and backoff waits come back to.
        running: {
          always: [
            { guard: 'hasStopWork', target: 'stopping' },
            { guard: 'hasPendingRestarts', target: 'restarting' },
          ],
        },
        // Restarts wait out their backoff, on one timer for the earliest.
        restarting: {
          entry: 'armRestartTimer',
          always: [
            { guard: 'hasStopWork', target: 'stopping' },
            { guard: 'noPendingRestarts', target: 'running' },
            { guard: 'earlierRestartPending', target: 'restarting', reenter: true },
          ],
          after: {
            untilNextRestart: { target: 'restarting', reenter: true, actions: 'startDueRestarts' },
          },
        },
        stopping: stopSequence('#supervisor.live.stopping', [
          { guard: 'stopJobDone', target: '#supervisor.live.running', actions: 'finishStopJob' },
        ]),
      },
    },
    ending: {
      entry: 'beginEnding',
      on: {
        [SHUTDOWN_EVENT]: { actions: 'alreadyEnding' },
        [CHILD_EXIT]: handleExit,
      },
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
        // The session reads the restart count from the error it escalates with.
        input: ({ context }) =>
          Object.assign((context.ending as { error: SupervisorError }).error, {
            restarts: context.totalRestarts,
          }),
      },
    },
  },
  output: ({ context }) => ({
    reason: context.ending?.kind === 'auto_shutdown' ? 'auto_shutdown' : 'shutdown',
    restarts: context.totalRestarts,
  }),
});

/** Stops every child of the table at once, in reverse start order: XState stopped the supervisor. */
function stopEveryChild(snapshot: { context?: SupervisorContext }): void {
  const table = snapshot.context?.table;
  if (!table) return;
  const records = table.inStartOrder();
  for (let i = records.length - 1; i >= 0; i--) stopChildActor(records[i]!.ref);
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
