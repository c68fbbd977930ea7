/**
 * The shapes `fromProcess` works with: its input, its output, the events it
 * emits, and the facts about one run that its outcome is derived from.
 *
 * ```ts
 * const input: ProcessInput = { command: 'npm', args: ['test'], timeoutMs: 60_000 };
 * actor.on('process.output', ({ stream, line }) => console.log(stream, line));
 * ```
 */
import type { ChildEnvironment } from '../ground/environment.js';
import type { ProcessExitError } from '../ground/errors.js';

export interface ProcessInput {
  /** Program to run. Never given to a shell: no quoting, globbing or `$(...)` applies. */
  command: string;
  /** Arguments, passed to the program exactly as given. */
  args?: readonly string[];
  /** Working directory. Default: the host's. */
  cwd?: string;
  /** Added to (and overriding) the host's environment. */
  env?: Readonly<Record<string, string>>;
  /** Kill the tree and fail with `timedOut` after this many ms of real time. Default: none. */
  timeoutMs?: number;
  /** First signal of a kill. Default `'SIGTERM'`. */
  killSignal?: NodeJS.Signals;
  /** SIGKILL what is left this many ms after `killSignal`. Default 5000. */
  forceKillAfterMs?: number;
  /** Bytes of each stream's end kept for the output and errors. Default 64 KiB. */
  tailBytes?: number;
  /** Marks every process of the tree as the session's (see `SESSION_MARKER_ENV`). */
  sessionId?: string;
  /**
   * What the supervisor hands down (it merges it in: `fromProcess` takes the
   * environment): `sessionId` and the workspace (as `cwd`) are the defaults
   * of the fields above, `scope` marks the processes (`XSTATE_OTP_SCOPE`),
   * and `onProcessStart` is called on each spawn.
   */
  environment?: ChildEnvironment;
}

/** `ProcessInput` with its defaults applied. */
export interface ResolvedProcessInput {
  command: string;
  args: readonly string[];
  cwd: string | undefined;
  env: Readonly<Record<string, string>>;
  timeoutMs: number | undefined;
  killSignal: NodeJS.Signals;
  forceKillAfterMs: number;
  tailBytes: number;
  sessionId: string | undefined;
}

/**
 * The actor's output: after an exit with code 0 (`stopped: false`), or after
 * the process ended because the actor was sent `SHUTDOWN_EVENT`
 * (`stopped: true`, with whatever code or signal it ended with). Any other
 * end is an error (`ProcessExitError`), not an output.
 */
export interface ProcessOutput {
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  /** True when the process ended because it was asked to shut down. */
  stopped: boolean;
  durationMs: number;
  stdoutTail: string;
  stderrTail: string;
}

/** Events a `fromProcess` actor emits; listen with `actor.on(type, listener)`. */
export type ProcessEmitted =
  | { type: 'process.started'; pid: number }
  | { type: 'process.output'; stream: 'stdout' | 'stderr'; line: string };

/** What one run of the program came to; the actor's output or error is derived from it. */
export interface ProcessResult extends Omit<ProcessOutput, 'stopped'> {
  /** Undefined when the program never started. */
  pid: number | undefined;
  timedOut: boolean;
  /** The actor asked the process to stop (`SHUTDOWN_EVENT`). */
  terminated: boolean;
  /** Why the program could not start, when it could not. */
  spawnError: unknown;
}

/**
 * Events the process runner sends its machine. `error` is what the run means
 * if it counts as a failure (anything but a clean exit 0).
 */
export type RunnerEvent =
  | { type: 'process.started'; pid: number }
  | { type: 'process.output'; stream: 'stdout' | 'stderr'; lines: string[] }
  | { type: 'process.timedOut' }
  | { type: 'process.exited'; result: ProcessResult; error: ProcessExitError | undefined };

/** Events the machine sends its runner. */
export type RunnerCommand = { type: 'process.terminate' };
