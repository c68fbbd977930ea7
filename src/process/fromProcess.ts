/**
 * `fromProcess()`: an external program as an XState actor, with Erlang-style
 * exit semantics and no process left behind.
 *
 * ```ts
 * const actor = createActor(fromProcess(), {
 *   input: { command: 'npm', args: ['test'], timeoutMs: 120_000 },
 * });
 * actor.on('process.output', ({ stream, line }) => console.log(`[${stream}] ${line}`));
 * actor.subscribe({
 *   complete: () => console.log(actor.getSnapshot().output), // { exitCode: 0, durationMs, stdoutTail, stderrTail, ... }
 *   error: (error) => console.error(error),                  // ProcessExitError
 * });
 * actor.start();
 * ```
 *
 * Outcomes:
 * - exit 0 → final state `succeeded`; output
 *   `{ exitCode: 0, durationMs, stdoutTail, stderrTail, signal: undefined, stopped: false }`.
 * - non-zero exit, death by a signal, `timeoutMs` passed → state `failed`, then the actor
 *   errors with `ProcessExitError` code `'process_exit'` (`exitCode`, `signal`, `timedOut`, tails).
 * - the program cannot start (not found, not executable, bad cwd, bad input) → the same,
 *   with code `'spawn_failed'`.
 * - `SHUTDOWN_EVENT` → state `stopping`: `killSignal` to the whole tree, SIGKILL after
 *   `forceKillAfterMs`; once it is gone, final state `stopped`. Ending this way is a
 *   normal stop, whatever the code or signal: the output has `stopped: true` and the
 *   code/signal the process ended with. (A supervisor that asked for the shutdown
 *   counts the child as shut down, never as crashed.)
 * - stopped abruptly (`actor.stop()`, a parent that stops it): XState runs no exit
 *   actions, but the invoked runner's cleanup does run, synchronously: the tree gets
 *   `killSignal` then SIGKILL, on timers that outlive the actor.
 *
 * `succeeded`, `failed` and `stopped` are reached only once the whole tree is
 * gone (leftovers of a root that exited on its own are killed first): an
 * actor that got there has nothing running.
 *
 * Emitted events: `process.started { pid }` and `process.output { stream, line }`
 * (one per line; only a bounded tail of each stream is kept, see `tailBytes`).
 * The pid is also in the snapshot's `context.pid`. The processes carry the marker
 * variables `XSTATE_OTP_PROCESS` (= `context.processId`), with a session id
 * `XSTATE_OTP_SESSION`, and with a scope `XSTATE_OTP_SCOPE`: see `processTree.ts`.
 *
 * The environment: the process logic takes it (`takeEnvironment`), so a
 * supervisor that has one merges it into the input as `input.environment`
 * (see `src/environment.ts`). `sessionId` and `cwd` then default to the
 * session's id and workspace, `scope` marks the processes, and
 * `onProcessStart` is called on each spawn. A `fromProcess` actor that a
 * machine invokes itself gets an environment only if that machine passes one
 * in its input: nothing is looked up in the actor's ancestors.
 *
 * Spawning: an argument array, never a shell; stdin is /dev/null; the root
 * leads its own process group (so a terminal's Ctrl+C reaches the host only,
 * which then kills the trees itself: see `hostExit.ts`).
 *
 * `timeoutMs` and durations are real time, not the actor system's clock: the
 * process runs in real time whatever clock the actors use.
 */
import { nanoid } from 'nanoid';
import { assertEvent, assign, emit, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import { takeEnvironment } from '../ground/environment.js';
import type { ProcessExitError } from '../ground/errors.js';
import { SHUTDOWN_EVENT, type ShutdownEvent } from '../ground/shutdown.js';
import { processOutput } from './processOutcome.js';
import { processRunner } from './processRunner.js';
import type {
  ProcessEmitted,
  ProcessInput,
  ProcessOutput,
  ProcessResult,
  RunnerEvent,
} from './processTypes.js';

export interface ProcessContext {
  /**
   * The input as given. With an `environment` (under a session), `sessionId`
   * and `cwd` default at spawn time to the session's id and workspace.
   */
  input: ProcessInput;
  /** Value of the `XSTATE_OTP_PROCESS` marker every process of the tree carries. */
  processId: string;
  /** Root pid, once started. */
  pid: number | undefined;
  result: ProcessResult | undefined;
  error: ProcessExitError | undefined;
}

export type ProcessEvent = RunnerEvent | ShutdownEvent;

export const processMachine = takeEnvironment(
  setup({
    types: {
      input: {} as ProcessInput,
      context: {} as ProcessContext,
      events: {} as ProcessEvent,
      emitted: {} as ProcessEmitted,
      output: {} as ProcessOutput,
    },
    actors: {
      runProcess: processRunner,
      // The machine's only way to end in status 'error' with our error: an
      // invoked actor that fails, unhandled, escalates its error as the machine's.
      raiseExitError: fromPromise<never, ProcessExitError>(async ({ input }) => {
        throw input;
      }),
    },
    actions: {
      recordPid: assign({
        pid: ({ event }) => {
          assertEvent(event, 'process.started');
          return event.pid;
        },
      }),
      emitStarted: emit(({ event }) => {
        assertEvent(event, 'process.started');
        return { type: 'process.started' as const, pid: event.pid };
      }),
      // The runner sends lines in batches (one event per chunk read); listeners get one per line.
      emitOutputLines: enqueueActions(({ event, enqueue }) => {
        assertEvent(event, 'process.output');
        for (const line of event.lines) {
          enqueue.emit({ type: 'process.output', stream: event.stream, line });
        }
      }),
      terminateProcess: sendTo('runner', { type: 'process.terminate' }),
      recordResult: assign({
        result: ({ event }) => {
          assertEvent(event, 'process.exited');
          return event.result;
        },
      }),
      recordError: assign({
        error: ({ event }) => {
          assertEvent(event, 'process.exited');
          return event.error;
        },
      }),
    },
    guards: {
      exitedCleanly: ({ event }) => {
        assertEvent(event, 'process.exited');
        return event.error === undefined;
      },
    },
  }).createMachine({
    id: 'process',
    context: ({ input }) => ({
      input,
      processId: nanoid(),
      pid: undefined,
      result: undefined,
      error: undefined,
    }),
    initial: 'active',
    states: {
      active: {
        invoke: {
          id: 'runner',
          src: 'runProcess',
          input: ({ context }) => ({ input: context.input, processId: context.processId }),
        },
        on: {
          'process.started': { actions: ['recordPid', 'emitStarted'] },
          'process.output': { actions: 'emitOutputLines' },
        },
        initial: 'running',
        states: {
          running: {
            on: {
              [SHUTDOWN_EVENT]: { target: 'stopping', actions: 'terminateProcess' },
              'process.timedOut': { target: 'timingOut' },
              'process.exited': [
                { guard: 'exitedCleanly', target: '#process.succeeded', actions: 'recordResult' },
                { target: '#process.failed', actions: ['recordResult', 'recordError'] },
              ],
            },
          },
          // The runner is killing the tree because timeoutMs passed; it fails once it is gone.
          timingOut: {
            on: {
              [SHUTDOWN_EVENT]: { target: 'stopping', actions: 'terminateProcess' },
              'process.exited': {
                target: '#process.failed',
                actions: ['recordResult', 'recordError'],
              },
            },
          },
          stopping: {
            on: {
              'process.exited': { target: '#process.stopped', actions: 'recordResult' },
            },
          },
        },
      },
      succeeded: { type: 'final' },
      stopped: { type: 'final' },
      failed: {
        invoke: { src: 'raiseExitError', input: ({ context }) => context.error! },
      },
    },
    output: ({ context }) => processOutput(context.result!),
  }),
);

/**
 * The actor logic that runs one external program: `processMachine`, the
 * same logic on every call. It takes no arguments because everything about
 * a run is its input (`ProcessInput`): `fromProcess()` reads like XState's
 * `fromPromise(…)` in a child spec, and nothing is created per call, so
 * `logic === processMachine` identifies a process child. Output:
 * `ProcessOutput`; error: `ProcessExitError`. See the module comment.
 */
export function fromProcess(): typeof processMachine {
  return processMachine;
}
