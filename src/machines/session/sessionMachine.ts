/**
 * The session lifecycle statechart.
 *
 * ```
 * starting → running → stopping → cancelled | timed_out
 *               ├──────────────→ completed   (its supervisor auto-shut down)
 *               └──────────────→ failed      (its supervisor gave up)
 * ```
 *
 * A session owns one supervisor (invoked as `supervisor` while the session
 * is live), registered as `session_supervisor:<id>`, whose children are the
 * session's agents and processes. The session ends when that supervisor
 * does: auto-shutdown after its significant children finished is
 * `completed`; escalation (max restart intensity, a child that cannot start)
 * is `failed`. Cancelling (`session.cancel`, or `SHUTDOWN_EVENT` from the
 * manager's supervisor) and the deadline shut the supervisor down gracefully
 * in `stopping` before ending `cancelled` or `timed_out`.
 *
 * The final states are the once-only guard: the first outcome decided wins,
 * whatever else arrives in the same tick, and a final state is reached once.
 */
import { assign, setup } from 'xstate';
import { systemNow } from '../../clock.js';
import { SHUTDOWN_EVENT } from '../../shutdown.js';
import { supervisorMachine } from '../supervisor/index.js';
import type { SessionEvent, SessionInput, SessionOutput } from './types.js';

type Decided = { outcome: SessionOutput['outcome']; reason?: string | undefined };

interface SessionContext {
  input: SessionInput;
  decided: Decided | undefined;
  restarts: number;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

function supervisorRestarts(children: Record<string, unknown>): number {
  const sup = children.supervisor as
    | { getSnapshot(): { context?: { totalRestarts?: number } } }
    | undefined;
  return sup?.getSnapshot().context?.totalRestarts ?? 0;
}

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    input: {} as SessionInput,
    events: {} as SessionEvent,
    output: {} as SessionOutput,
  },
  actors: { supervisor: supervisorMachine },
  delays: {
    deadline: ({ context, self }) =>
      Math.max(0, context.input.createdAt + (context.input.timeoutMs ?? 0) - systemNow(self)),
  },
  guards: {
    hasDeadline: ({ context }) => context.input.timeoutMs !== undefined,
    decidedCancelled: ({ context }) => context.decided?.outcome === 'cancelled',
    decidedTimedOut: ({ context }) => context.decided?.outcome === 'timed_out',
    shutDownFromOutside: ({ event }) =>
      (event as { output?: { reason?: string } }).output?.reason !== 'auto_shutdown',
  },
  actions: {
    decideCancelled: assign({
      decided: ({ event }) => ({
        outcome: 'cancelled' as const,
        reason: 'reason' in event && typeof event.reason === 'string' ? event.reason : 'cancelled',
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
    recordRestarts: assign({
      restarts: ({ context, self }) => {
        const children = (self.getSnapshot() as { children: Record<string, unknown> }).children;
        return Math.max(context.restarts, supervisorRestarts(children));
      },
    }),
    askSupervisorToShutDown: ({ self }) => {
      const children = (
        self.getSnapshot() as { children: Record<string, { send(e: unknown): void }> }
      ).children;
      children.supervisor?.send({ type: SHUTDOWN_EVENT });
    },
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({ input, decided: undefined, restarts: 0 }),
  initial: 'starting',
  states: {
    starting: {
      always: { target: 'live' },
    },
    live: {
      invoke: {
        id: 'supervisor',
        src: 'supervisor',
        input: ({ context }) => context.input.supervisor,
        onDone: [
          { guard: 'decidedCancelled', target: 'cancelled' },
          { guard: 'decidedTimedOut', target: 'timed_out' },
          // Shut down by someone other than this session: a cancellation too.
          { guard: 'shutDownFromOutside', target: 'cancelled', actions: 'decideCancelled' },
          { target: 'completed', actions: 'decideCompleted' },
        ],
        onError: [
          { guard: 'decidedCancelled', target: 'cancelled' },
          { guard: 'decidedTimedOut', target: 'timed_out' },
          { target: 'failed', actions: 'decideFailed' },
        ],
      },
      // Runs before the final state's output is computed.
      exit: 'recordRestarts',
      initial: 'running',
      states: {
        running: {
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
              after: { deadline: { target: '#session.live.stopping', actions: 'decideTimedOut' } },
            },
            withoutDeadline: {},
          },
        },
        stopping: {
          entry: 'askSupervisorToShutDown',
        },
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
    timed_out: { type: 'final' },
  },
  output: ({ context, self }) => ({
    outcome: context.decided?.outcome ?? 'failed',
    ...(context.decided?.reason === undefined ? {} : { reason: context.decided.reason }),
    restarts: context.restarts,
    endedAt: systemNow(self),
  }),
});
