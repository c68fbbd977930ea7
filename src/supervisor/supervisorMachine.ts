/**
 * The supervisor statechart.
 *
 * `live` holds the children. In `live.running` child exits and admin
 * requests are handled as they come; work that has to stop children one at a
 * time (a one_for_all or rest_for_one restart, `terminateChild`, shutdown,
 * escalation) is queued as stop jobs and carried out in `live.stopping`, child
 * by child in the given order, each with its own `shutdown` grace. When the
 * supervisor ends, every child has been stopped, and it reaches `done`
 * (shutdown, auto-shutdown) or `failed`, where it escalates by erroring with
 * the `SupervisorError`. Stopped abruptly instead (XState's `stop()`, or a
 * parent that stops it), it stops every child at once: see
 * `stopsChildrenWithIt`.
 */
import {
  type AnyActorRef,
  type EventObject,
  enqueueActions,
  fromCallback,
  type StateMachine,
  sendTo,
  setup,
} from 'xstate';
import { systemNow } from '../clock.js';
import { SupervisorError } from '../errors.js';
import { acceptsShutdown, SHUTDOWN_EVENT } from '../shutdown.js';
import {
  awaitsRestart,
  type ChildRecord,
  kill,
  notify,
  type SupervisorContext,
  settleStopped,
  spawn,
  startOrder,
  startRecord,
  type TableScope,
} from './childTable.js';
import { provideChildEnvironment } from './environment.js';
import { admitRestart } from './intensity.js';
import type {
  ChildChangedEvent,
  ResolvedChildSpec,
  ResolvedSupervisorOptions,
  SupervisorOptions,
} from './types.js';
import { resolveSupervisorOptions } from './validate.js';
import { isAlive, reapOrphans, stopsChildrenWithIt } from './xstateInternals.js';

/** A slot the machine fills in while handling an admin request. */
export interface Reply<T> {
  value?: T;
  error?: unknown;
  handled: boolean;
}

export type SupervisorEvent =
  | { type: typeof SHUTDOWN_EVENT; reason?: string }
  | { type: 'otp.admin.start'; spec: ResolvedChildSpec; reply: Reply<AnyActorRef> }
  | { type: 'otp.admin.terminate'; id: string; reply: Reply<void>; onGone: () => void }
  | { type: 'otp.admin.restart'; id: string; reply: Reply<AnyActorRef> }
  | { type: 'otp.admin.delete'; id: string; reply: Reply<void> }
  | { type: 'otp.startInitialChildren' }
  | { type: 'otp.retry'; id: string; error: unknown }
  | { type: `xstate.done.actor.${string}`; actorId: string; output: unknown }
  | { type: `xstate.error.actor.${string}`; actorId: string; error: unknown };

export interface SupervisorOutput {
  reason: 'shutdown' | 'auto_shutdown';
  restarts: number;
}

type ExitEvent = { type: string; actorId?: string; error?: unknown };

const exitKind = (event: ExitEvent): 'normal' | 'abnormal' =>
  event.type.startsWith('xstate.error.actor.') ? 'abnormal' : 'normal';

function currentStopId(context: SupervisorContext): string | undefined {
  return context.jobs[0]?.ids[0];
}

function currentRecord(context: SupervisorContext): ChildRecord | undefined {
  const id = currentStopId(context);
  return id === undefined ? undefined : context.children.get(id);
}

function graceOf(record: ChildRecord | undefined): number | 'brutal_kill' | 'infinity' {
  if (!record || !isAlive(record.ref) || !acceptsShutdown(record.ref)) return 'brutal_kill';
  return record.spec.shutdown;
}

/** Stops everything that still runs, in reverse start order, then ends as `ending` says. */
function beginEnding(context: SupervisorContext, ending: NonNullable<SupervisorContext['ending']>) {
  if (context.ending) return;
  context.ending = ending;
  const inFlight = currentStopId(context);
  const ids = startOrder(context)
    .reverse()
    .filter((id) => id !== inFlight && isAlive(context.children.get(id)?.ref));
  if (inFlight !== undefined) ids.unshift(inFlight);
  for (const id of ids) context.children.get(id)!.stopping = true;
  // Nothing to stop: `live.running` goes straight on to `done` or `failed`.
  context.jobs = ids.length > 0 ? [{ ids, afterwards: { type: 'end' } }] : [];
}

function intensityError(context: SupervisorContext, id: string, cause: unknown): SupervisorError {
  const { intensity, period } = context.options;
  const why = (cause instanceof Error ? cause.message : String(cause)).replace(/\.$/, '');
  return new SupervisorError(
    'max_restart_intensity',
    `Reached the maximum restart intensity (${intensity} restarts within ${period} ms); the last failure was child "${id}": ${why}. The supervisor stopped its children and gave up; its parent decides what happens next.`,
    { cause, childId: id },
  );
}

/**
 * Counts a restart in the intensity window. When the window is full the
 * supervisor starts ending with `max_restart_intensity` and `false` is returned.
 */
function countRestart(scope: TableScope, id: string, cause: unknown): boolean {
  const { context } = scope;
  const { intensity, period } = context.options;
  const admitted = admitRestart(context.restartLog, systemNow(scope.self), intensity, period);
  context.restartLog = admitted.log;
  if (!admitted.allowed) {
    beginEnding(context, { kind: 'fail', error: intensityError(context, id, cause) });
    return false;
  }
  context.totalRestarts += 1;
  const record = context.children.get(id);
  if (record) record.restarts += 1;
  return true;
}

/** Stops the head of the current stop job now. */
function stopCurrentChild(scope: TableScope) {
  const { context } = scope;
  const id = context.jobs[0]!.ids.shift()!;
  const record = context.children.get(id);
  if (!record) return;
  kill(record);
  if (record.ref !== undefined) {
    settleStopped(scope, record, awaitsRestart(context, id) ? 'restarting' : 'stopped');
  }
}

/** Starts a child whose restart is due; a start that throws is retried through the mailbox. */
function restartOne(scope: TableScope, record: ChildRecord, retry: (error: unknown) => void) {
  const error = startRecord(scope, record);
  if (error !== undefined) retry(error);
}

/** Applies the strategy to a child that must be restarted. */
function restartFor(scope: TableScope, id: string, retry: (id: string, error: unknown) => void) {
  const { context } = scope;
  const { strategy } = context.options;
  const record = context.children.get(id)!;
  if (strategy === 'one_for_one') {
    restartOne(scope, record, (error) => retry(id, error));
    return;
  }
  const order = startOrder(context);
  const affected = strategy === 'one_for_all' ? order : order.slice(order.indexOf(id));
  const toStop = affected
    .filter((other) => other !== id && isAlive(context.children.get(other)?.ref))
    .reverse();
  for (const other of affected) {
    const sibling = context.children.get(other)!;
    if (other !== id && toStop.includes(other)) sibling.stopping = true;
    if (sibling.spec.restart !== 'temporary' || other === id) {
      sibling.status = 'restarting';
      notify(scope, other, sibling);
    }
  }
  // Temporary bystanders are stopped but never restarted (OTP `temporary_bystander`).
  const restartIds = affected.filter(
    (other) => other === id || context.children.get(other)!.spec.restart !== 'temporary',
  );
  context.jobs.push({ ids: toStop, afterwards: { type: 'restart', ids: restartIds } });
}

/** A significant child ended for good: does that end the supervisor? */
function checkAutoShutdown(context: SupervisorContext, record: ChildRecord) {
  const { autoShutdown } = context.options;
  if (!record.spec.significant || autoShutdown === 'never') return;
  if (autoShutdown === 'all_significant') {
    for (const other of context.children.values()) {
      if (other !== record && other.spec.significant && other.status !== 'stopped') return;
    }
  }
  beginEnding(context, { kind: 'auto_shutdown' });
}

function handleExit(scope: TableScope, event: ExitEvent, retry: (id: string, e: unknown) => void) {
  const { context } = scope;
  const id = event.actorId ?? event.type.split('.').slice(3).join('.');
  const record = context.children.get(id);
  // Not ours, or an earlier incarnation whose replacement is already running.
  if (!record || record.ref === undefined || isAlive(record.ref)) return;
  reapOrphans(record.ref);
  const kind = exitKind(event);
  if (record.stopping || context.ending) {
    // Asked to stop and left on its own: not a failure (OTP unlinks first).
    settleStopped(scope, record, awaitsRestart(context, id) ? 'restarting' : 'stopped');
    return;
  }
  const { restart } = record.spec;
  const restarts = restart === 'permanent' || (restart === 'transient' && kind === 'abnormal');
  if (!restarts) {
    settleStopped(scope, record, 'stopped');
    checkAutoShutdown(context, record);
    return;
  }
  record.ref = undefined;
  record.status = 'restarting';
  notify(scope, id, record);
  const cause = kind === 'abnormal' ? event.error : new Error('exited normally');
  if (countRestart(scope, id, cause)) restartFor(scope, id, retry);
}

export function initialContext(
  options: ResolvedSupervisorOptions,
  self: AnyActorRef,
): SupervisorContext {
  if (options.environment) provideChildEnvironment(self, options.environment);
  return {
    options,
    children: new Map(),
    restartLog: [],
    totalRestarts: 0,
    jobs: [],
    ending: undefined,
  };
}

const machine = setup({
  types: {
    context: {} as SupervisorContext,
    input: {} as SupervisorOptions | undefined,
    events: {} as SupervisorEvent,
    emitted: {} as ChildChangedEvent,
    output: {} as SupervisorOutput,
  },
  actors: {
    /** Escalation: erroring here makes the supervisor itself error with the reason. */
    escalate: fromCallback<EventObject, SupervisorError>(({ input: error }) => {
      throw error;
    }),
  },
  delays: {
    // Read from the spec: once asked, the child may no longer answer SHUTDOWN_EVENT.
    shutdownGrace: ({ context }) => {
      const shutdown = currentRecord(context)?.spec.shutdown;
      return typeof shutdown === 'number' ? shutdown : 0;
    },
  },
  guards: {
    hasStopWork: ({ context }) => context.jobs.length > 0,
    stopJobDone: ({ context }) => context.jobs[0]?.ids.length === 0,
    nextChildWaitsForever: ({ context }) => graceOf(currentRecord(context)) === 'infinity',
    isCurrentChildExit: ({ context, event }) =>
      'actorId' in event && event.actorId === currentStopId(context),
    isShutDown: ({ context }) =>
      context.ending?.kind === 'shutdown' || context.ending?.kind === 'auto_shutdown',
    isFailing: ({ context }) => context.ending?.kind === 'fail',
    isNotEscalation: ({ event }) => !('actorId' in event) || event.actorId !== 'otp.escalate',
  },
  actions: {
    registerSelf: ({ context, self }) => {
      const { registry, registerAs } = context.options;
      if (registry && registerAs !== undefined) registry.register(registerAs, self);
    },
    requestInitialChildren: sendTo(({ self }) => self, { type: 'otp.startInitialChildren' }),
    startInitialChildren: enqueueActions(({ context, self, enqueue }) => {
      if (context.ending) return;
      const scope: TableScope = { context, self, emit: (e) => enqueue.emit(e) };
      for (const spec of context.options.children) {
        const record: ChildRecord = {
          spec,
          ref: undefined,
          status: 'running',
          restarts: 0,
          stopping: false,
          waiters: [],
        };
        context.children.set(spec.id, record);
        const error = startRecord(scope, record);
        if (error !== undefined) {
          // OTP: a child that cannot start fails the supervisor's own start.
          context.children.delete(spec.id);
          beginEnding(context, {
            kind: 'fail',
            error: new SupervisorError(
              'start_failed',
              `Child "${spec.id}" failed to start: ${error instanceof Error ? error.message : String(error)}`,
              { cause: error, childId: spec.id },
            ),
          });
          return;
        }
      }
    }),
    handleChildExit: enqueueActions(({ context, event, self, enqueue }) => {
      const scope: TableScope = { context, self, emit: (e) => enqueue.emit(e) };
      handleExit(scope, event as ExitEvent, (id, error) =>
        enqueue.sendTo(self, { type: 'otp.retry', id, error }),
      );
    }),
    retryChildStart: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'otp.retry' || context.ending) return;
      const record = context.children.get(event.id);
      if (record?.status !== 'restarting' || record.ref !== undefined) return;
      const scope: TableScope = { context, self, emit: (e) => enqueue.emit(e) };
      // OTP: every failed restart attempt counts toward intensity.
      if (!countRestart(scope, event.id, event.error)) return;
      restartFor(scope, event.id, (id, error) =>
        enqueue.sendTo(self, { type: 'otp.retry', id, error }),
      );
    }),
    startChildOnRequest: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'otp.admin.start') return;
      const { spec, reply } = event;
      reply.handled = true;
      if (context.ending) {
        reply.error = new SupervisorError('not_running', 'The supervisor is shutting down.');
        return;
      }
      const scope: TableScope = { context, self, emit: (e) => enqueue.emit(e) };
      try {
        const ref = spawn(scope, spec);
        const record: ChildRecord = {
          spec,
          ref,
          status: 'running',
          restarts: 0,
          stopping: false,
          waiters: [],
        };
        context.children.set(spec.id, record);
        notify(scope, spec.id, record);
        reply.value = ref;
      } catch (error) {
        reply.error = new SupervisorError(
          'start_failed',
          `Child "${spec.id}" failed to start: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error, childId: spec.id },
        );
      }
    }),
    restartChildOnRequest: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'otp.admin.restart') return;
      const record = context.children.get(event.id)!;
      event.reply.handled = true;
      const scope: TableScope = { context, self, emit: (e) => enqueue.emit(e) };
      const error = startRecord(scope, record);
      if (error === undefined) {
        event.reply.value = record.ref;
      } else {
        record.status = 'stopped';
        notify(scope, event.id, record);
        event.reply.error = new SupervisorError(
          'start_failed',
          `Child "${event.id}" failed to restart: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error, childId: event.id },
        );
      }
    }),
    deleteChildOnRequest: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'otp.admin.delete') return;
      event.reply.handled = true;
      context.children.delete(event.id);
      notify({ context, self, emit: (e) => enqueue.emit(e) }, event.id, undefined);
    }),
    enqueueTermination: enqueueActions(({ context, event, self, enqueue }) => {
      if (event.type !== 'otp.admin.terminate') return;
      event.reply.handled = true;
      const record = context.children.get(event.id);
      if (!record || !isAlive(record.ref)) {
        // A child waiting to be restarted is given up on (OTP: terminate_child works while restarting).
        if (record && record.status === 'restarting') {
          for (const job of context.jobs) {
            if (job.afterwards.type === 'restart')
              job.afterwards.ids = job.afterwards.ids.filter((id) => id !== event.id);
          }
          settleStopped({ context, self, emit: (e) => enqueue.emit(e) }, record, 'stopped');
        }
        event.onGone();
        return;
      }
      record.waiters.push(event.onGone);
      if (record.stopping) return;
      record.stopping = true;
      context.jobs.push({ ids: [event.id], afterwards: { type: 'none' } });
    }),
    beginShutdown: ({ context }) => beginEnding(context, { kind: 'shutdown' }),
    // Deferred to the end of the macrostep, after any kill made before it in
    // this step, so stop order holds; sending directly would run the child
    // inside this action, where XState forbids the child's emitted events.
    askCurrentChildToShutDown: sendTo(({ context }) => currentRecord(context)!.ref!, {
      type: SHUTDOWN_EVENT,
    }),
    killCurrentChild: enqueueActions(({ context, self, enqueue }) => {
      stopCurrentChild({ context, self, emit: (e) => enqueue.emit(e) });
    }),
    killChildrenWithoutGrace: enqueueActions(({ context, self, enqueue }) => {
      // One action for the whole run: XState does not re-check eventless
      // transitions after a microstep that left the snapshot unchanged.
      const scope: TableScope = { context, self, emit: (e) => enqueue.emit(e) };
      while (
        (context.jobs[0]?.ids.length ?? 0) > 0 &&
        graceOf(currentRecord(context)) === 'brutal_kill'
      ) {
        stopCurrentChild(scope);
      }
    }),
    recordCurrentChildExit: enqueueActions(({ context, self, enqueue }) => {
      const id = context.jobs[0]!.ids.shift()!;
      const record = context.children.get(id);
      if (!record || record.ref === undefined) return;
      const scope: TableScope = { context, self, emit: (e) => enqueue.emit(e) };
      settleStopped(scope, record, awaitsRestart(context, id) ? 'restarting' : 'stopped');
    }),
    completeStopJob: enqueueActions(({ context, self, enqueue }) => {
      const job = context.jobs.shift()!;
      if (job.afterwards.type !== 'restart' || context.ending) return;
      const scope: TableScope = { context, self, emit: (e) => enqueue.emit(e) };
      for (const id of job.afterwards.ids) {
        const record = context.children.get(id);
        if (!record || isAlive(record.ref)) continue;
        restartOne(scope, record, (error) =>
          enqueue.sendTo(self, { type: 'otp.retry', id, error }),
        );
      }
    }),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input, self }) => initialContext(resolveSupervisorOptions(input), self),
  initial: 'live',
  states: {
    live: {
      // Children start from the mailbox, once the supervisor runs and is
      // registered: XState resolves initial actions while the actor is
      // still being constructed, before anything can look it up.
      entry: ['registerSelf', 'requestInitialChildren'],
      on: {
        'xstate.done.actor.*': { actions: 'handleChildExit' },
        'xstate.error.actor.*': { actions: 'handleChildExit' },
        'otp.startInitialChildren': { actions: 'startInitialChildren' },
        'otp.retry': { actions: 'retryChildStart' },
        'otp.admin.start': { actions: 'startChildOnRequest' },
        'otp.admin.restart': { actions: 'restartChildOnRequest' },
        'otp.admin.delete': { actions: 'deleteChildOnRequest' },
        'otp.admin.terminate': { actions: 'enqueueTermination' },
        [SHUTDOWN_EVENT]: { actions: 'beginShutdown' },
      },
      initial: 'running',
      states: {
        // Also where each stop job returns, to see what comes next.
        running: {
          always: [
            { guard: 'hasStopWork', target: 'stopping' },
            { guard: 'isShutDown', target: '#supervisor.done' },
            { guard: 'isFailing', target: '#supervisor.failed' },
          ],
        },
        stopping: {
          initial: 'nextChild',
          states: {
            nextChild: {
              entry: 'killChildrenWithoutGrace',
              always: [
                {
                  guard: 'stopJobDone',
                  actions: 'completeStopJob',
                  target: '#supervisor.live.running',
                },
                {
                  guard: 'nextChildWaitsForever',
                  actions: 'askCurrentChildToShutDown',
                  target: 'awaitingExit.indefinitely',
                },
                { actions: 'askCurrentChildToShutDown', target: 'awaitingExit.withinGrace' },
              ],
            },
            awaitingExit: {
              on: {
                'xstate.done.actor.*': {
                  guard: 'isCurrentChildExit',
                  actions: 'recordCurrentChildExit',
                  target: 'nextChild',
                },
                'xstate.error.actor.*': {
                  guard: 'isCurrentChildExit',
                  actions: 'recordCurrentChildExit',
                  target: 'nextChild',
                },
              },
              initial: 'withinGrace',
              states: {
                withinGrace: {
                  after: {
                    shutdownGrace: {
                      actions: 'killCurrentChild',
                      target: '#supervisor.live.stopping.nextChild',
                    },
                  },
                },
                indefinitely: {},
              },
            },
          },
        },
      },
    },
    done: { type: 'final' },
    failed: {
      // Late exits of children are ignored; only the escalation goes unhandled.
      on: { 'xstate.error.actor.*': { guard: 'isNotEscalation' } },
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

/**
 * XState drops `undefined` from an inferred input type, which would make
 * `input` required; the supervisor's options are optional, as documented.
 */
type WithOptionalInput<M> =
  M extends StateMachine<
    infer C,
    infer E,
    infer Ch,
    infer A,
    infer Ac,
    infer G,
    infer D,
    infer S,
    infer T,
    infer I,
    infer O,
    infer Em,
    infer Me,
    infer Sc,
    infer Tm
  >
    ? StateMachine<C, E, Ch, A, Ac, G, D, S, T, I | undefined, O, Em, Me, Sc, Tm>
    : never;

/** The supervisor statechart; `input` is its `SupervisorOptions`. */
export const supervisorMachine = stopsChildrenWithIt(machine as WithOptionalInput<typeof machine>);
