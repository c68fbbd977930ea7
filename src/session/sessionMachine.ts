/**
 * The session: one actor, the session's supervisor, whose statechart
 * carries the supervision of its children and the session's lifecycle.
 *
 * ```
 * starting ──→ running ──→ stopping ─────────────────→ completed | failed | cancelled | timed_out
 *    │      (supervising;    (every child,  └→ finalizing ─↗
 *    │       the deadline)    reverse order)   (workspace released)
 *    └──→ finalizing, or straight to the end   (workspace failed, or cancelled while starting)
 * ```
 *
 * As Erlang's session supervisor is one process, a session is one actor:
 * it registers itself as `session_supervisor:<id>`, and its children (the
 * spec's agents and processes) are its own, supervised with the same plans
 * and the same states as any supervisor (`src/supervisor/supervision.ts`).
 *
 * - `starting` first waits for the session's id to be claimed when the
 *   store asks for a claim (cluster mode: one owner per id across hosts,
 *   decided before any child starts). A refused claim errors the actor with
 *   the store's error: the session never existed, and nothing is recorded.
 *   Then it creates the session's workspace when it asks for one, before any
 *   child exists; cancelling or the deadline meanwhile asks the creation to
 *   stop and waits until it has undone its work (`preparing.abandoning`). A
 *   workspace that cannot be created decides `failed`, naming the cause.
 * - `running` starts the children and supervises them, while a delayed
 *   `session.deadline` waits for `timeoutMs` counted from creation. The outcome is
 *   decided by what ends it: the significant children finished
 *   (`completed`), the restart intensity was reached, a child could not
 *   start or the manager sent `session.fail` (`failed`), `session.cancel` or `SHUTDOWN_EVENT` (`cancelled`), or
 *   the deadline (`timed_out`).
 * - `stopping` shuts every child down in reverse start order, each within
 *   its `shutdown` grace, as a supervisor ends.
 * - `finalizing`, for a session with a workspace, releases it per its keep
 *   policy; then (or straight from `stopping` without one) the session goes
 *   to the final state of the outcome decided.
 * - A hand-off (`session.cancel` with `handOff: true`: `stop({ handOff: true })`
 *   of a durable session, or a host fenced out of a session it no longer
 *   owns) ends `cancelled` like any cancel, but goes past `finalizing`: the
 *   session is not over, and its next attempt works in the same workspace.
 *   The output says `handedOff: true`. Only the cancel that decides the
 *   outcome can make it a hand-off: a session already ending for another
 *   reason ends as decided, and releases its workspace.
 *
 * The lifecycle a view shows is read from the tags `starting`, `running` and
 * `stopping`, never from the shape of the state value. The final states are
 * the once-only guard: the first outcome decided wins, whatever else arrives
 * in the same tick, and a final state is reached once.
 */
import { and, assign, cancel, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import { systemNow } from '../ground/clock.js';
import { definedFields } from '../ground/defined.js';
import { errorMessage } from '../ground/errorMessage.js';
import { SHUTDOWN_EVENT } from '../ground/shutdown.js';
import {
  CHILD_EXIT,
  endingHandlers,
  forSetup,
  initialContext,
  type SupervisorContext,
  SupervisorStateMachine,
  stopSequence,
  supervising,
  supervisingHandlers,
  supervisionActions,
  supervisionDelays,
  supervisionGuards,
} from '../supervisor/index.js';
import type { WorkspaceLocation } from '../workspace/types.js';
import type { SessionEvent, SessionInput, SessionOutput } from './types.js';
import { workspaceCreator, workspaceReleaser } from './workspaceActors.js';

type Decided = { outcome: SessionOutput['outcome']; reason?: string | undefined };

export interface SessionContext extends SupervisorContext {
  session: Omit<SessionInput, 'supervisor'>;
  decided: Decided | undefined;
  /** Set once the workspace exists; what `finalizing` releases. */
  workspace: WorkspaceLocation | undefined;
  /** The outcome was decided by a hand-off: the workspace is left for the next attempt. */
  handedOff: boolean;
}

function describeError(error: unknown): string {
  const message = errorMessage(error);
  if (!(error instanceof Error && error.cause instanceof Error)) return message;
  const cause = errorMessage(error.cause);
  // Supervisor errors already name their cause in their message.
  return message.includes(cause) ? message : `${message} (${cause})`;
}

/** Claims the session id in the store (`SessionInput.claim`); rejects when it is taken. */
const claimer = fromPromise<void, () => Promise<void>>(({ input: claim }) => claim());

/** To the final state of the outcome decided: one microstep from wherever the session is done. */
const toOutcome = [
  { guard: 'decidedCompleted', target: '#session.completed' },
  { guard: 'decidedCancelled', target: '#session.cancelled' },
  { guard: 'decidedTimedOut', target: '#session.timed_out' },
  { target: '#session.failed' },
] as const;

/** The same, once the last child is stopped (from `stopping`, with no workspace to release). */
const toOutcomeOnceStopped = [
  { guard: and(['stopJobDone', 'decidedCompleted']), target: '#session.completed' },
  { guard: and(['stopJobDone', 'decidedCancelled']), target: '#session.cancelled' },
  { guard: and(['stopJobDone', 'decidedTimedOut']), target: '#session.timed_out' },
  { guard: 'stopJobDone', target: '#session.failed' },
] as const;

const machine = setup({
  types: {
    context: {} as SessionContext,
    input: {} as SessionInput,
    events: {} as SessionEvent,
    output: {} as SessionOutput,
  },
  actors: { claimer, workspaceCreator, workspaceReleaser },
  delays: {
    ...forSetup(supervisionDelays),
    deadline: ({ context, self }) =>
      Math.max(0, context.session.createdAt + (context.session.timeoutMs ?? 0) - systemNow(self)),
  },
  guards: {
    ...forSetup(supervisionGuards),
    hasDeadline: ({ context }) => context.session.timeoutMs !== undefined,
    asksForClaim: ({ context }) => context.session.claim !== undefined,
    asksForWorkspace: ({ context }) => context.session.workspace !== undefined,
    // A hand-off leaves the workspace to the session's next attempt.
    releasesWorkspace: ({ context }) => context.workspace !== undefined && !context.handedOff,
    handedOff: ({ context }) => context.handedOff,
    decided: ({ context }) => context.decided !== undefined,
    decidedCompleted: ({ context }) => context.decided?.outcome === 'completed',
    decidedCancelled: ({ context }) => context.decided?.outcome === 'cancelled',
    decidedTimedOut: ({ context }) => context.decided?.outcome === 'timed_out',
    gaveUp: ({ context }) => context.ending?.kind === 'fail',
  },
  actions: {
    ...forSetup(supervisionActions),
    // Only the cancel that decides the outcome can make the end a hand-off.
    decideCancelled: assign(({ context, event }) =>
      context.decided
        ? {}
        : {
            decided: {
              outcome: 'cancelled' as const,
              reason:
                'reason' in event && typeof event.reason === 'string' ? event.reason : 'cancelled',
            },
            handedOff: 'handOff' in event && event.handOff === true,
          },
    ),
    decideFailedWith: assign({
      decided: ({ context, event }) =>
        context.decided ?? {
          outcome: 'failed' as const,
          reason: 'reason' in event && typeof event.reason === 'string' ? event.reason : 'failed',
        },
    }),
    decideTimedOut: assign({
      decided: ({ context }) =>
        context.decided ?? {
          outcome: 'timed_out' as const,
          reason: `no outcome within ${context.session.timeoutMs} ms`,
        },
    }),
    decideCompleted: assign({
      decided: ({ context }) => context.decided ?? { outcome: 'completed' as const },
    }),
    decideFailed: assign({
      decided: ({ context }) =>
        context.decided ?? {
          outcome: 'failed' as const,
          reason: describeError(context.ending?.kind === 'fail' ? context.ending.error : undefined),
        },
    }),
    decideWorkspaceFailed: assign({
      decided: ({ event }) => {
        const error = 'error' in event ? event.error : event;
        const code = (error as { code?: unknown } | undefined)?.code;
        return {
          outcome: 'failed' as const,
          // A WorkspaceError's message already names its cause; no need for describeError's suffix.
          reason: `workspace not created${typeof code === 'string' ? ` (${code})` : ''}: ${errorMessage(error)}`,
        };
      },
    }),
    // The children see the workspace through the environment they start with.
    recordWorkspace: assign(({ context, event }) => {
      const workspace = (event as { location?: WorkspaceLocation }).location;
      const environment = {
        ...context.options.environment,
        sessionId: context.session.id,
        workspace,
      };
      return { workspace, options: { ...context.options, environment } };
    }),
    abandonWorkspace: sendTo('workspace', { type: 'workspace.abandon' }),
    // The deadline is a delayed event of the session's own, only when it has one:
    // no timer at all for a session without `timeoutMs`.
    armDeadline: enqueueActions(({ check, enqueue }) => {
      if (check('hasDeadline')) {
        enqueue.raise({ type: 'session.deadline' }, { id: 'deadline', delay: 'deadline' });
      }
    }),
    disarmDeadline: cancel('deadline'),
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => {
    const { supervisor, ...session } = input;
    return {
      ...initialContext(supervisor),
      // A resumed durable session goes on counting from its last attempt's restarts.
      totalRestarts: input.restarts ?? 0,
      session,
      decided: undefined,
      workspace: undefined,
      handedOff: false,
    };
  },
  // Registered as the session's supervisor from the start (XState runs the
  // initial actions once the actor is started, when it can be looked up).
  entry: 'registerSelf',
  initial: 'starting',
  states: {
    starting: {
      tags: 'starting',
      initial: 'routing',
      states: {
        routing: {
          always: [
            { guard: 'asksForClaim', target: 'claiming' },
            { guard: 'asksForWorkspace', target: 'preparing' },
            { target: '#session.running' },
          ],
        },
        claiming: {
          invoke: {
            src: 'claimer',
            input: ({ context }) => context.session.claim!,
            onDone: [
              // Cancelled while claiming: nothing was made, nothing to release.
              { guard: 'decided', target: '#session.cancelled' },
              { guard: 'asksForWorkspace', target: 'preparing' },
              { target: '#session.running' },
            ],
            // No onError: a refused claim errors the session itself (see above).
          },
          // Nothing runs yet, so nothing to stop: the decision waits for the claim.
          on: {
            'session.cancel': { actions: 'decideCancelled' },
            [SHUTDOWN_EVENT]: { actions: 'decideCancelled' },
          },
        },
        preparing: {
          invoke: {
            id: 'workspace',
            src: 'workspaceCreator',
            input: ({ context }) => context.session.workspace!,
          },
          on: {
            'workspace.created': [
              // Handed off meanwhile: the next attempt works in it; nothing to release.
              { guard: 'handedOff', target: '#session.cancelled', actions: 'recordWorkspace' },
              // Created before the abandon request arrived: release it like any other.
              { guard: 'decided', target: '#session.finalizing', actions: 'recordWorkspace' },
              { target: '#session.running', actions: 'recordWorkspace' },
            ],
            // Nothing was made (the creation undid its own work): nothing to release.
            'workspace.failed': [
              { guard: 'decidedCancelled', target: '#session.cancelled' },
              { guard: 'decidedTimedOut', target: '#session.timed_out' },
              { target: '#session.failed', actions: 'decideWorkspaceFailed' },
            ],
          },
          initial: 'creating',
          states: {
            creating: {
              on: {
                'session.cancel': {
                  target: 'abandoning',
                  actions: ['decideCancelled', 'abandonWorkspace'],
                },
                [SHUTDOWN_EVENT]: {
                  target: 'abandoning',
                  actions: ['decideCancelled', 'abandonWorkspace'],
                },
              },
              after: {
                deadline: {
                  guard: 'hasDeadline',
                  target: 'abandoning',
                  actions: ['decideTimedOut', 'abandonWorkspace'],
                },
              },
            },
            // Outcome decided; waiting for the creation to undo what it made.
            abandoning: {
              tags: 'stopping',
              on: { [SHUTDOWN_EVENT]: { actions: 'alreadyEnding' } },
            },
          },
        },
      },
    },
    running: {
      tags: 'running',
      // The children start as the session enters `running`: the executor
      // starts them once the snapshot is updated, after the session is registered.
      entry: ['armDeadline', 'startInitialChildren'],
      exit: 'disarmDeadline',
      on: {
        ...supervisingHandlers,
        'session.cancel': { target: 'stopping', actions: 'decideCancelled' },
        // The manager cannot keep the session going (a durable one's checkpoint refused).
        'session.fail': { target: 'stopping', actions: 'decideFailedWith' },
        [SHUTDOWN_EVENT]: { target: 'stopping', actions: 'decideCancelled' },
        'session.deadline': { target: 'stopping', actions: 'decideTimedOut' },
      },
      always: [
        { guard: 'gaveUp', target: 'stopping', actions: 'decideFailed' },
        { guard: 'significantChildEnded', target: 'stopping', actions: 'decideCompleted' },
      ],
      ...supervising('#session.running', 'idle'),
    },
    stopping: {
      tags: 'stopping',
      // A session ends as a supervisor shuts down: nothing restarts any more.
      entry: ['decideShutdown', 'beginEnding'],
      on: endingHandlers,
      ...stopSequence('#session.stopping', [
        { guard: and(['stopJobDone', 'releasesWorkspace']), target: '#session.finalizing' },
        ...toOutcomeOnceStopped,
      ]),
    },
    // Releases the workspace per its keep policy, then ends as decided.
    finalizing: {
      tags: 'stopping',
      on: {
        [SHUTDOWN_EVENT]: { actions: 'alreadyEnding' },
        // A child's late news once every child is stopped: nothing to do.
        [CHILD_EXIT]: {},
      },
      invoke: {
        src: 'workspaceReleaser',
        input: ({ context }) => ({
          ...context.session.workspace!,
          outcome: context.decided?.outcome ?? 'failed',
        }),
        // Never rejects (failures are reported, the workspace kept); either way, on to the end.
        onDone: toOutcome,
        onError: toOutcome,
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
    timed_out: { type: 'final' },
  },
  output: ({ context, self }) => ({
    outcome: context.decided?.outcome ?? 'failed',
    ...definedFields({ reason: context.decided?.reason }),
    ...(context.handedOff ? { handedOff: true as const } : {}),
    restarts: context.totalRestarts,
    endedAt: systemNow(self),
  }),
});

export type SessionLogic = typeof machine;

/**
 * The session statechart: a supervisor's machine class (stopped abruptly, it
 * stops its children; it sees every child exit as `otp.child.exit`; it
 * counts as a supervisor), with the lifecycle above.
 */
export const sessionMachine = new SupervisorStateMachine(
  machine.config,
  machine.implementations,
) as unknown as SessionLogic;
