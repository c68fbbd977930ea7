/**
 * Supervision as statechart pieces: the guards, delays and actions that
 * apply plans to a child table, and the states that use them. Two machines
 * are built from them: the plain supervisor (`supervisorMachine.ts`) and the
 * session, which wraps the same supervision in its lifecycle
 * (`src/session/sessionMachine.ts`).
 *
 * ```ts
 * setup({ guards: forSetup(supervisionGuards), delays: forSetup(supervisionDelays), actions: forSetup(supervisionActions) })
 *   .createMachine({
 *     id: 'supervisor',
 *     states: {
 *       live: { entry: ['registerSelf', 'requestInitialChildren'], ...supervising('#supervisor.live', 'running') },
 *       ending: { entry: 'beginEnding', ...stopSequence('#supervisor.ending', whenStopped) },
 *     },
 *   });
 * ```
 *
 * Every happening (a child exited, a restart fell due, an admin request) is
 * one action made by `applyPlan`: its planner computes the next context and
 * the effects, the context is assigned, and the executor performs the
 * effects. The plans decide, the executor acts; the states only say when.
 */
import {
  type AnyActorRef,
  assertEvent,
  assign,
  type EventObject,
  enqueueActions,
  sendTo,
} from 'xstate';
import { systemNow } from '../ground/clock.js';
import { SHUTDOWN_EVENT } from '../ground/shutdown.js';
import { canAnswerShutdown, isAlive } from './childActors.js';
import { CHILD_EXIT, type ChildExitEvent } from './childExit.js';
import { type ChildRecord, type SupervisorContext, stopHeadId } from './childTable.js';
import { performEffects } from './executor.js';
import { refOf } from './incarnation.js';
import type { Circumstances, Effect, Plan } from './plan.js';
import { childExited } from './planExits.js';
import {
  restartRequested,
  type StartFailedEvent,
  startDueRestarts,
  startFailed,
  startInitialChildren,
  startRequested,
} from './planStarts.js';
import {
  beginEnding,
  deleteRequested,
  finishStopJob,
  markStopHeadAsked,
  stopHeadExited,
  stopHeadNow,
  terminateRequested,
} from './planStops.js';
import type { ResolvedChildSpec } from './types.js';

export type SupervisorEvent =
  | { type: typeof SHUTDOWN_EVENT; reason?: string }
  | { type: 'otp.startInitialChildren' }
  | { type: 'otp.child.start'; spec: ResolvedChildSpec }
  | { type: 'otp.child.restart'; id: string }
  | { type: 'otp.child.delete'; id: string }
  | { type: 'otp.child.terminate'; id: string }
  | StartFailedEvent
  | ChildExitEvent;

interface ActionArgs {
  context: SupervisorContext;
  event: EventObject;
  self: AnyActorRef;
}
type GuardArgs = Omit<ActionArgs, 'self'>;

/**
 * The shared implementations as `setup()` takes them, whatever the machine's
 * own context and events (the session's extend the supervisor's): the names
 * are kept for checking, the signatures are these modules' own.
 */
export function forSetup<T extends object>(implementations: T): { [K in keyof T]: any } {
  return implementations;
}

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
function isStale(context: SupervisorContext, event: EventObject): boolean {
  const ref = refOf(context.table.get((event as unknown as ChildExitEvent).id));
  return ref === undefined || isAlive(ref);
}

function circumstancesOf(self: AnyActorRef): Circumstances {
  return { now: systemNow(self), random: Math.random, answersShutdown: canAnswerShutdown };
}

/**
 * The one action factory: an action that applies `planner`'s plan. The
 * context is assigned only when the plan changed it, and the executor runs
 * only when there is something to do.
 */
function applyPlan<E>(planner: (context: SupervisorContext, at: Circumstances, event: E) => Plan) {
  return enqueueActions(({ context, event, self, enqueue }) => {
    const plan = planner(context as SupervisorContext, circumstancesOf(self), event as E);
    if (plan.context !== context) enqueue.assign(() => plan.context);
    if (plan.effects.length > 0) enqueue({ type: 'performEffects', params: plan.effects });
  });
}

export const supervisionDelays = {
  // Delays are given `self`, so they read the system clock.
  stopHeadGrace: ({ context, self }: ActionArgs) => {
    const deadline = headRecord(context)?.stopDeadline ?? 0;
    return Number.isFinite(deadline) ? Math.max(0, deadline - systemNow(self)) : 0;
  },
  untilNextRestart: ({ context, self }: ActionArgs) =>
    Math.max(0, (earliestRestart(context) ?? 0) - systemNow(self)),
};

export const supervisionGuards = {
  isStaleExit: ({ context, event }: GuardArgs) => isStale(context, event),
  isStopHeadExit: ({ context, event }: GuardArgs) =>
    (event as unknown as ChildExitEvent).id === stopHeadId(context) && !isStale(context, event),
  isNewChild: ({ context, event }: GuardArgs) =>
    context.table.get((event as unknown as { spec: ResolvedChildSpec }).spec.id) === undefined,
  isStoppedChild: ({ context, event }: GuardArgs) => {
    const record = context.table.get((event as unknown as { id: string }).id);
    return record?.status === 'stopped' && record.incarnation === undefined;
  },
  hasStopWork: ({ context }: GuardArgs) => context.stopWork.length > 0,
  stopJobDone: ({ context }: GuardArgs) => (context.stopWork[0]?.ids.length ?? 0) === 0,
  stopHeadGoesAtOnce: ({ context }: GuardArgs) => {
    const record = headRecord(context);
    const ref = refOf(record);
    if (!record || !isAlive(ref)) return true;
    if (record.stopDeadline !== undefined) return false; // asked already: it has its grace
    return record.spec.shutdown === 'brutal_kill' || !canAnswerShutdown(ref);
  },
  stopHeadWaitsForever: ({ context }: GuardArgs) => {
    const record = headRecord(context);
    if (record?.stopDeadline !== undefined) return record.stopDeadline === Infinity;
    return record?.spec.shutdown === 'infinity';
  },
  hasPendingRestarts: ({ context }: GuardArgs) => context.pendingRestarts.length > 0,
  noPendingRestarts: ({ context }: GuardArgs) => context.pendingRestarts.length === 0,
  earlierRestartPending: ({ context }: GuardArgs) =>
    (earliestRestart(context) ?? Infinity) < (context.restartTimerAt ?? Infinity),
  reachedMaxIntensity: ({ context }: GuardArgs) =>
    context.ending?.kind === 'fail' && context.ending.error.code === 'max_restart_intensity',
  childFailedToStart: ({ context }: GuardArgs) =>
    context.ending?.kind === 'fail' && context.ending.error.code === 'start_failed',
  significantChildEnded: ({ context }: GuardArgs) => context.ending?.kind === 'auto_shutdown',
  isEscalating: ({ context }: GuardArgs) => context.ending?.kind === 'fail',
  // No child runs, is being stopped or waits to restart: an ending has nothing to do.
  nothingToStop: ({ context }: GuardArgs) => context.table.activeCount === 0,
};

export const supervisionActions = {
  registerSelf: ({ context, self }: ActionArgs) => {
    const { registry, registerAs } = context.options;
    if (registry && registerAs !== undefined) registry.register(registerAs, self);
  },
  requestInitialChildren: sendTo(({ self }: ActionArgs) => self, {
    type: 'otp.startInitialChildren',
  }),
  performEffects: ({ context, self }: ActionArgs, effects: readonly Effect[]) =>
    performEffects(self, context, effects),
  decideShutdown: assign({
    ending: ({ context }: ActionArgs) => context.ending ?? { kind: 'shutdown' as const },
  }),
  startInitialChildren: applyPlan(startInitialChildren),
  handleChildExit: applyPlan((context, at, event: ChildExitEvent) => {
    assertEvent(event, CHILD_EXIT);
    return childExited(context, at, event);
  }),
  handleStartFailure: applyPlan(startFailed),
  startDueRestarts: applyPlan(startDueRestarts),
  armRestartTimer: assign({
    restartTimerAt: ({ context }: ActionArgs) => earliestRestart(context),
  }),
  startChildOnRequest: applyPlan(startRequested),
  restartChildOnRequest: applyPlan(restartRequested),
  deleteChildOnRequest: applyPlan(deleteRequested),
  terminateChildOnRequest: applyPlan(terminateRequested),
  beginEnding: applyPlan(beginEnding),
  stopHeadNow: applyPlan(stopHeadNow),
  settleStopHead: applyPlan(stopHeadExited),
  finishStopJob: applyPlan(finishStopJob),
  markStopHeadAsked: assign(({ context, self }: ActionArgs) =>
    markStopHeadAsked(context, systemNow(self)),
  ),
  // Deferred to the end of the macrostep, after any stop made before it in
  // this step, so the stop order holds.
  askStopHeadToShutDown: sendTo(({ context }: ActionArgs) => refOf(headRecord(context))!, {
    type: SHUTDOWN_EVENT,
  }),
  // Answering SHUTDOWN_EVENT while ending (rather than having no
  // transition for it) makes a parent that asks wait for the end.
  alreadyEnding: () => {},
};

/** Stops children one at a time, each within its grace, until `whenDone` takes a transition. */
export const stopSequence = <const Done extends readonly object[]>(path: string, whenDone: Done) =>
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

/** The transitions of an exit: old news is dropped, news is planned. */
export const handleExit = [{ guard: 'isStaleExit' }, { actions: 'handleChildExit' }] as const;

/** What a supervisor answers while it supervises, whatever else it is doing. */
export const supervisingHandlers = {
  'otp.startInitialChildren': { actions: 'startInitialChildren' },
  [CHILD_EXIT]: handleExit,
  'otp.child.startFailed': { actions: 'handleStartFailure' },
  'otp.child.start': { guard: 'isNewChild', actions: 'startChildOnRequest' },
  'otp.child.restart': { guard: 'isStoppedChild', actions: 'restartChildOnRequest' },
  'otp.child.delete': { guard: 'isStoppedChild', actions: 'deleteChildOnRequest' },
  'otp.child.terminate': { actions: 'terminateChildOnRequest' },
} as const;

/**
 * What an ending supervisor answers while it stops its children: exits and
 * failed starts are still planned, and a parent asking again waits for the
 * end (answering SHUTDOWN_EVENT, rather than having no transition for it).
 */
export const endingHandlers = {
  [SHUTDOWN_EVENT]: { actions: 'alreadyEnding' },
  [CHILD_EXIT]: handleExit,
  'otp.child.startFailed': { actions: 'handleStartFailure' },
} as const;

/**
 * The states of a supervisor at work (`path` is their own id path):
 * answering in `idle` (named as the machine likes), stopping children one at a time in `stopping`,
 * waiting out restart backoffs in `restarting`. Stop work comes first: a
 * restart that falls due meanwhile starts when it is done, as an OTP
 * supervisor busy terminating a child handles nothing else.
 */
export const supervising = <const Idle extends string>(path: string, idle: Idle) =>
  ({
    initial: idle,
    states: {
      // Nothing to do but answer: where stop work and backoff waits come back to.
      [idle]: {
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
          { guard: 'noPendingRestarts', target: idle },
          { guard: 'earlierRestartPending', target: 'restarting', reenter: true },
        ],
        after: {
          untilNextRestart: { target: 'restarting', reenter: true, actions: 'startDueRestarts' },
        },
      },
      stopping: stopSequence(`${path}.stopping`, [
        { guard: 'stopJobDone', target: `${path}.${idle}`, actions: 'finishStopJob' },
      ]),
    },
  }) as const;
