/**
 * The session lifecycle statechart.
 *
 * ```
 * starting → live.running → live.stopping ─┐
 *    │            └────────────────────────┴→ finalizing → completed | failed | cancelled | timed_out
 *    └─────────────────────────────────────→ finalizing   (workspace failed, or cancelled while starting)
 * ```
 *
 * The states carry the tags `starting`, `running` and `stopping`: the
 * lifecycle a view shows is read from the tags, never from the shape of the
 * state value, so states can be added inside them freely.
 *
 * `starting` first waits for the session's id to be claimed when the store
 * asks for a claim (cluster mode: one owner per id across hosts, decided
 * before any child starts). A refused claim errors the session actor with
 * the store's error: the session never existed, and nothing is recorded.
 * Then it creates the session's workspace when it asks for one (a git
 * worktree or a temp dir, see `src/workspace/`), before any child exists.
 * Cancelling or the deadline while it is being created asks the creation to
 * stop and waits until it has undone its work (`starting.preparing.abandoning`).
 * A workspace that cannot be created decides `failed`, with a reason naming
 * the cause.
 *
 * `live` owns one supervisor (invoked as `supervisor`), registered as
 * `session_supervisor:<id>`, whose children are the session's agents and
 * processes; they see the workspace through the supervisor's `environment`.
 * The session ends when that supervisor does: auto-shutdown after its
 * significant children finished is `completed`; escalation (max restart
 * intensity, a child that cannot start) is `failed`. Cancelling
 * (`session.cancel`, or `SHUTDOWN_EVENT` from the manager's supervisor) and
 * the deadline shut the supervisor down gracefully in `stopping` before
 * ending `cancelled` or `timed_out`.
 *
 * `finalizing` is entered once the outcome is decided, and never changes
 * it: it releases the workspace per its keep policy (the dashboard shows
 * `stopping` meanwhile), then goes to the final state of that outcome.
 *
 * The final states are the once-only guard: the first outcome decided wins,
 * whatever else arrives in the same tick, and a final state is reached once.
 */
import { assign, fromPromise, sendTo, setup } from 'xstate';
import { systemNow } from '../ground/clock.js';
import { definedFields } from '../ground/defined.js';
import { errorMessage } from '../ground/errorMessage.js';
import { SHUTDOWN_EVENT } from '../ground/shutdown.js';
import { declareSupervisor, supervisorMachine } from '../supervisor/index.js';
import type { WorkspaceLocation } from '../workspace/types.js';
import type { SessionEvent, SessionInput, SessionOutput } from './types.js';
import { workspaceCreator, workspaceReleaser } from './workspaceActors.js';

type Decided = { outcome: SessionOutput['outcome']; reason?: string | undefined };

interface SessionContext {
  input: SessionInput;
  decided: Decided | undefined;
  restarts: number;
  /** Set once the workspace exists; what `finalizing` releases. */
  workspace: WorkspaceLocation | undefined;
}

function describeError(error: unknown): string {
  const message = errorMessage(error);
  if (!(error instanceof Error && error.cause instanceof Error)) return message;
  const cause = errorMessage(error.cause);
  // Supervisor errors already name their cause in their message.
  return message.includes(cause) ? message : `${message} (${cause})`;
}

/** The supervisor reports its restarts in its output, and in the error it escalates with. */
function restartsReported(event: { output?: unknown; error?: unknown }): number | undefined {
  const carrier = (event.output ?? event.error) as { restarts?: unknown } | undefined;
  return typeof carrier?.restarts === 'number' ? carrier.restarts : undefined;
}

/** Claims the session id in the store (`SessionInput.claim`); rejects when it is taken. */
const claimer = fromPromise<void, () => Promise<void>>(({ input: claim }) => claim());

// A session supervises children: `countChildren` counts it as a supervisor.
export const sessionMachine = declareSupervisor(
  setup({
    types: {
      context: {} as SessionContext,
      input: {} as SessionInput,
      events: {} as SessionEvent,
      output: {} as SessionOutput,
    },
    actors: { claimer, supervisor: supervisorMachine, workspaceCreator, workspaceReleaser },
    delays: {
      deadline: ({ context, self }) =>
        Math.max(0, context.input.createdAt + (context.input.timeoutMs ?? 0) - systemNow(self)),
    },
    guards: {
      hasDeadline: ({ context }) => context.input.timeoutMs !== undefined,
      asksForClaim: ({ context }) => context.input.claim !== undefined,
      asksForWorkspace: ({ context }) => context.input.workspace !== undefined,
      hasWorkspace: ({ context }) => context.workspace !== undefined,
      decided: ({ context }) => context.decided !== undefined,
      decidedCompleted: ({ context }) => context.decided?.outcome === 'completed',
      decidedCancelled: ({ context }) => context.decided?.outcome === 'cancelled',
      decidedTimedOut: ({ context }) => context.decided?.outcome === 'timed_out',
      shutDownFromOutside: ({ event }) =>
        (event as { output?: { reason?: string } }).output?.reason !== 'auto_shutdown',
    },
    actions: {
      decideCancelled: assign({
        decided: ({ event }) => ({
          outcome: 'cancelled' as const,
          reason:
            'reason' in event && typeof event.reason === 'string' ? event.reason : 'cancelled',
        }),
      }),
      decideTimedOut: assign({
        decided: ({ context }) => ({
          outcome: 'timed_out' as const,
          reason: `no outcome within ${context.input.timeoutMs} ms`,
        }),
      }),
      decideCompleted: assign({ decided: () => ({ outcome: 'completed' as const }) }),
      decideFailed: assign({
        decided: ({ event }) => ({
          outcome: 'failed' as const,
          reason: describeError('error' in event ? event.error : event),
        }),
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
      recordWorkspace: assign({
        workspace: ({ event }) => (event as { location?: WorkspaceLocation }).location,
      }),
      abandonWorkspace: sendTo('workspace', { type: 'workspace.abandon' }),
      // Answering SHUTDOWN_EVENT (rather than having no transition for it)
      // makes a supervisor that shuts this session down wait for it to finish
      // its cleanup instead of stopping it halfway; there is nothing else to do.
      alreadyEnding: () => {},
      recordRestarts: assign({
        restarts: ({ context, event }) =>
          restartsReported(event as { output?: unknown; error?: unknown }) ?? context.restarts,
      }),
      // Deferred like every sendTo: sending directly would run the supervisor
      // inside this action, where XState forbids its emitted events.
      askSupervisorToShutDown: sendTo('supervisor', { type: SHUTDOWN_EVENT }),
    },
  }).createMachine({
    id: 'session',
    context: ({ input }) => ({ input, decided: undefined, restarts: 0, workspace: undefined }),
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
              { target: '#session.live' },
            ],
          },
          claiming: {
            invoke: {
              src: 'claimer',
              input: ({ context }) => context.input.claim!,
              onDone: [
                { guard: 'decided', target: '#session.finalizing' },
                { guard: 'asksForWorkspace', target: 'preparing' },
                { target: '#session.live' },
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
              input: ({ context }) => context.input.workspace!,
            },
            on: {
              'workspace.created': [
                // Created before the abandon request arrived: release it like any other.
                { guard: 'decided', target: '#session.finalizing', actions: 'recordWorkspace' },
                { target: '#session.live', actions: 'recordWorkspace' },
              ],
              'workspace.failed': [
                { guard: 'decided', target: '#session.finalizing' },
                { target: '#session.finalizing', actions: 'decideWorkspaceFailed' },
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
      live: {
        invoke: {
          id: 'supervisor',
          src: 'supervisor',
          input: ({ context }) => {
            const { supervisor } = context.input;
            if (!context.workspace) return supervisor;
            return {
              ...supervisor,
              environment: {
                ...supervisor.environment,
                sessionId: context.input.id,
                workspace: context.workspace,
              },
            };
          },
          onDone: [
            // Cancelled or timed out while running: that decision stands.
            { guard: 'decided', target: 'finalizing', actions: 'recordRestarts' },
            // Shut down by someone other than this session: a cancellation too.
            {
              guard: 'shutDownFromOutside',
              target: 'finalizing',
              actions: ['recordRestarts', 'decideCancelled'],
            },
            { target: 'finalizing', actions: ['recordRestarts', 'decideCompleted'] },
          ],
          onError: [
            { guard: 'decided', target: 'finalizing', actions: 'recordRestarts' },
            { target: 'finalizing', actions: ['recordRestarts', 'decideFailed'] },
          ],
        },
        initial: 'running',
        states: {
          running: {
            tags: 'running',
            on: {
              'session.cancel': { target: 'stopping', actions: 'decideCancelled' },
              [SHUTDOWN_EVENT]: { target: 'stopping', actions: 'decideCancelled' },
            },
            initial: 'checkingDeadline',
            states: {
              checkingDeadline: {
                always: [
                  { guard: 'hasDeadline', target: 'withDeadline' },
                  { target: 'withoutDeadline' },
                ],
              },
              withDeadline: {
                after: {
                  deadline: { target: '#session.live.stopping', actions: 'decideTimedOut' },
                },
              },
              withoutDeadline: {},
            },
          },
          stopping: {
            tags: 'stopping',
            entry: 'askSupervisorToShutDown',
            // Already shutting down: a parent asking again waits for it rather than killing it.
            on: { [SHUTDOWN_EVENT]: { actions: 'alreadyEnding' } },
          },
        },
      },
      finalizing: {
        tags: 'stopping',
        on: { [SHUTDOWN_EVENT]: { actions: 'alreadyEnding' } },
        initial: 'routing',
        states: {
          routing: {
            always: [{ guard: 'hasWorkspace', target: 'releasing' }, { target: 'released' }],
          },
          releasing: {
            invoke: {
              src: 'workspaceReleaser',
              input: ({ context }) => ({
                ...context.input.workspace!,
                outcome: context.decided?.outcome ?? 'failed',
              }),
              // Never rejects (failures are reported, the workspace kept); either way, on to the end.
              onDone: 'released',
              onError: 'released',
            },
          },
          released: { type: 'final' },
        },
        onDone: [
          { guard: 'decidedCompleted', target: 'completed' },
          { guard: 'decidedCancelled', target: 'cancelled' },
          { guard: 'decidedTimedOut', target: 'timed_out' },
          { target: 'failed' },
        ],
      },
      completed: { type: 'final' },
      failed: { type: 'final' },
      cancelled: { type: 'final' },
      timed_out: { type: 'final' },
    },
    output: ({ context, self }) => ({
      outcome: context.decided?.outcome ?? 'failed',
      ...definedFields({ reason: context.decided?.reason }),
      restarts: context.restarts,
      endedAt: systemNow(self),
    }),
  }),
);
