/**
 * Test children for the supervisor suite. Each logs `start:<name>` when it
 * starts and `stop:<name>` when it ends for any reason (an invoked callback's
 * cleanup runs on stop, done and error alike), so tests can assert the exact
 * start and stop order.
 */
import { type AnyActorRef, fromCallback, fromPromise, setup } from 'xstate';
import { SHUTDOWN_EVENT } from '../../src/ground/shutdown.js';

export interface WorkerInput {
  name: string;
  log: string[];
}

const probe = fromCallback<{ type: string }, WorkerInput>(({ input }) => {
  input.log.push(`start:${input.name}`);
  return () => input.log.push(`stop:${input.name}`);
});

const boom = fromCallback<{ type: string }, { message: string }>(({ input }) => {
  throw new Error(input.message);
});

/**
 * A worker that crashes on CRASH (its invoked child throws, so it errors the
 * way XState reports a failed child), finishes on FINISH, and ignores
 * SHUTDOWN_EVENT (it does not trap exits).
 */
export const worker = setup({
  types: {
    input: {} as WorkerInput,
    context: {} as WorkerInput,
    events: {} as { type: 'CRASH' } | { type: 'FINISH' },
  },
  actors: { probe, boom },
}).createMachine({
  id: 'worker',
  context: ({ input }) => input,
  invoke: { src: 'probe', input: ({ context }) => context },
  initial: 'working',
  states: {
    working: { on: { CRASH: 'crashing', FINISH: 'finished' } },
    crashing: { invoke: { src: 'boom', input: { message: 'crash' } } },
    finished: { type: 'final' },
  },
});

/**
 * A worker that traps exits: on SHUTDOWN_EVENT it winds down and finishes
 * after `cleanupMs` (on the system clock), or never when `cleanupMs` is
 * undefined (it ignores the request but can answer it).
 */
export const trappingWorker = setup({
  types: {
    input: {} as WorkerInput & { cleanupMs?: number },
    context: {} as WorkerInput & { cleanupMs?: number },
    events: {} as { type: 'CRASH' } | { type: 'FINISH' } | { type: typeof SHUTDOWN_EVENT },
  },
  actors: { probe, boom },
  delays: { cleanup: ({ context }) => context.cleanupMs ?? 0 },
  guards: { windsDown: ({ context }) => context.cleanupMs !== undefined },
}).createMachine({
  id: 'trappingWorker',
  context: ({ input }) => input,
  invoke: { src: 'probe', input: ({ context }) => context },
  initial: 'working',
  states: {
    working: {
      on: {
        CRASH: 'crashing',
        FINISH: 'finished',
        [SHUTDOWN_EVENT]: [{ guard: 'windsDown', target: 'windingDown' }, { target: 'ignoring' }],
      },
    },
    windingDown: {
      entry: ({ context }) => context.log.push(`winding-down:${context.name}`),
      after: { cleanup: 'finished' },
    },
    ignoring: { on: { [SHUTDOWN_EVENT]: 'ignoring' } },
    crashing: { invoke: { src: 'boom', input: { message: 'crash' } } },
    finished: { type: 'final' },
  },
});

/** A worker whose logic fails when it starts. */
export const rejecting = fromPromise(async () => {
  throw new Error('rejected');
});

export function refsOf(children: { id: string; ref: AnyActorRef | undefined }[]) {
  return Object.fromEntries(children.map((c) => [c.id, c.ref]));
}

/** Builds `n` worker specs named a, b, c… sharing one log. */
export function workerSpecs(
  names: string[],
  log: string[],
  extra: Partial<Omit<import('../../src/index.js').ChildSpec, 'id' | 'logic'>> = {},
) {
  return names.map((name) => ({ id: name, logic: worker, input: { name, log }, ...extra }));
}

/**
 * A session that completes once its significant `agent` (a `worker`) gets
 * FINISH; `helper: true` adds a plain `helper` worker started before it.
 */
export function agentSessionSpec(
  id: string,
  { helper = false, metadata }: { helper?: boolean; metadata?: Record<string, unknown> } = {},
): import('../../src/index.js').SessionSpec {
  return {
    id,
    autoShutdown: 'any_significant',
    ...(metadata ? { metadata } : {}),
    children: [
      ...(helper ? workerSpecs(['helper'], []) : []),
      ...workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
    ],
  };
}
