/**
 * The callback actor that owns one OS process for `fromProcess`: it spawns it
 * with execa, reports its pid, output lines and end to its parent machine,
 * kills its tree when told to (`process.terminate`) and, because its cleanup
 * runs synchronously when XState stops it, when its parent goes away.
 *
 * ```ts
 * const invoke = { id: 'runner', src: processRunner, input: { input, processId } };
 * // parent receives: process.started, process.output (line batches),
 * //                  process.timedOut, process.exited { result, error }
 * // parent sends:    process.terminate
 * ```
 *
 * Spawn: an argument array, never a shell; stdin is /dev/null (a program
 * waiting for input would otherwise hang forever); stdout and stderr are
 * streamed, never buffered whole (execa `buffer: false`): only a tail of each
 * is kept. execa's own kill timers and exit hooks are off (`cleanup: false`,
 * `forceKillAfterDelay: false`): `ProcessTree` and `hostExit` do both for the
 * whole tree.
 *
 * The end is reported once the root has exited and no process of its tree is
 * left (leftovers of a root that exited on its own get the same kill as a
 * shutdown), so a parent that sees `process.exited` knows nothing is running.
 */
import { execa } from 'execa';
import { type AnyEventObject, fromCallback } from 'xstate';
import type { ChildEnvironment } from '../ground/environment.js';
import type { ProcessExitError } from '../ground/errors.js';
import { trackProcessTree } from './hostExit.js';
import { ensureHostWatchdog, HOST_MARKER_ENV, hostMarkerValue } from './hostWatchdog.js';
import { PROCESS_MARKER_ENV, SCOPE_MARKER_ENV, SESSION_MARKER_ENV } from './markers.js';
import { LineSplitter, OutputTail } from './outputTail.js';
import { exitedCleanly, processExitError, resolveProcessInput } from './processOutcome.js';
import { ProcessTree } from './processTree.js';
import type {
  ProcessInput,
  ProcessResult,
  ResolvedProcessInput,
  RunnerCommand,
  RunnerEvent,
} from './processTypes.js';

export interface RunnerInput {
  /** The actor's input, unchecked: a bad one is reported as a `spawn_failed` result. */
  input: unknown;
  /** Unique marker value for this process tree. */
  processId: string;
}

interface Run {
  terminate(): void;
  abandon(): void;
}

type Report = (event: RunnerEvent) => void;

export const processRunner = fromCallback<RunnerCommand, RunnerInput>(
  ({ input, sendBack, receive }) => {
    const report: Report = (event) => sendBack(event as AnyEventObject);
    const run = startRun(input, report);
    receive((command) => {
      if (command.type === 'process.terminate') run.terminate();
    });
    return () => run.abandon();
  },
);

/** The environment a supervisor merged into the input (see `src/environment.ts`), if any. */
function environmentOf(input: unknown): ChildEnvironment | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const environment = (input as { environment?: unknown }).environment;
  return typeof environment === 'object' && environment !== null
    ? (environment as ChildEnvironment)
    : undefined;
}

/**
 * Inside a session, a process belongs to it (its marker) and works in its
 * workspace, unless the input says otherwise. Bad input is left as it is, to
 * be reported as such.
 */
function withSessionDefaults(input: unknown, environment: ChildEnvironment | undefined): unknown {
  if (!environment || typeof input !== 'object' || input === null) return input;
  const given = input as ProcessInput;
  const sessionId = given.sessionId ?? environment.sessionId;
  const cwd = given.cwd ?? environment.workspace?.path;
  return {
    ...given,
    ...(sessionId === undefined ? {} : { sessionId }),
    ...(cwd === undefined ? {} : { cwd }),
  };
}

function emptyResult(spawnError: unknown): ProcessResult {
  return {
    pid: undefined,
    exitCode: undefined,
    signal: undefined,
    timedOut: false,
    terminated: false,
    spawnError,
    durationMs: 0,
    stdoutTail: '',
    stderrTail: '',
  };
}

interface ExecaOutcome {
  exitCode?: number | undefined;
  signal?: NodeJS.Signals | undefined;
  cause?: unknown;
}

function spawn(
  input: ResolvedProcessInput,
  processId: string,
  environment: ChildEnvironment | undefined,
) {
  const markers: Record<string, string> = {
    [PROCESS_MARKER_ENV]: processId,
    [HOST_MARKER_ENV]: hostMarkerValue,
  };
  if (input.sessionId !== undefined) markers[SESSION_MARKER_ENV] = input.sessionId;
  if (environment?.scope !== undefined) markers[SCOPE_MARKER_ENV] = environment.scope;
  // Before the spawn: whoever sweeps for leftovers must know to look, and
  // the watchdog must be there should the host die right after it.
  environment?.onProcessStart?.();
  ensureHostWatchdog();
  return execa(input.command, input.args, {
    cwd: input.cwd,
    env: { ...input.env, ...markers },
    extendEnv: true,
    shell: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    killDescendants: true,
    killSignal: input.killSignal,
    forceKillAfterDelay: false,
    cleanup: false,
    windowsHide: true,
  });
}

function startRun({ input: rawInput, processId }: RunnerInput, sendBack: Report): Run {
  let reporting = true;
  const report: Report = (event) => {
    if (reporting) sendBack(event);
  };
  const failToStart = (error: ProcessExitError): Run => {
    report({ type: 'process.exited', result: emptyResult(error), error });
    return {
      terminate() {},
      abandon() {
        reporting = false;
      },
    };
  };
  const environment = environmentOf(rawInput);
  let input: ResolvedProcessInput;
  try {
    input = resolveProcessInput(withSessionDefaults(rawInput, environment));
  } catch (error) {
    return failToStart(error as ProcessExitError);
  }
  let subprocess: ReturnType<typeof spawn>;
  try {
    subprocess = spawn(input, processId, environment);
  } catch (error) {
    // execa refused an option before spawning.
    return failToStart(processExitError(emptyResult(error), input));
  }
  const startedAt = performance.now();

  const tails = {
    stdout: new OutputTail(input.tailBytes),
    stderr: new OutputTail(input.tailBytes),
  };
  const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  for (const stream of ['stdout', 'stderr'] as const) {
    subprocess[stream]?.on('data', (chunk: Buffer) => {
      tails[stream].push(chunk);
      const lines = splitters[stream].push(chunk);
      if (lines.length > 0) report({ type: 'process.output', stream, lines });
    });
  }

  let terminated = false;
  let timedOut = false;
  let finished = false;
  let durationMs: number | undefined;
  const pid = subprocess.pid;
  const tree =
    pid === undefined
      ? undefined
      : new ProcessTree({
          pid,
          marker: { name: PROCESS_MARKER_ENV, value: processId },
          killSignal: input.killSignal,
          forceKillAfterMs: input.forceKillAfterMs,
          signalGroup: (signal) => void subprocess.kill(signal),
        });
  if (tree && pid !== undefined) {
    trackProcessTree(tree);
    subprocess.nodeChildProcess.once('exit', () => {
      durationMs = performance.now() - startedAt;
      tree.rootExited();
    });
    report({ type: 'process.started', pid });
  }

  const timer =
    input.timeoutMs === undefined || !tree
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          report({ type: 'process.timedOut' });
          tree.terminate();
        }, input.timeoutMs);

  const settle = async (outcome: ExecaOutcome) => {
    clearTimeout(timer);
    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = splitters[stream].end();
      if (lines.length > 0) report({ type: 'process.output', stream, lines });
    }
    await tree?.gone;
    finished = true;
    const started = pid !== undefined;
    const result: ProcessResult = {
      pid,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      timedOut,
      terminated,
      // Without a pid the program never ran; execa's error says why (ENOENT, EACCES...).
      spawnError: started ? undefined : outcome,
      durationMs: durationMs ?? performance.now() - startedAt,
      stdoutTail: tails.stdout.toString(),
      stderrTail: tails.stderr.toString(),
    };
    const error = exitedCleanly(result) ? undefined : processExitError(result, input);
    report({ type: 'process.exited', result, error });
  };
  // With `reject: false` execa resolves even for failures; a rejection would be a bug in it.
  subprocess.then(settle, (error: unknown) =>
    settle({ exitCode: undefined, signal: undefined, cause: error }),
  );

  return {
    terminate() {
      if (finished) return;
      terminated = true;
      clearTimeout(timer);
      tree?.terminate();
    },
    abandon() {
      // XState stopped us: nobody listens any more, but the tree still dies.
      // Stopped while already shutting down means the supervisor's grace ran
      // out: kill now (OTP's `exit(kill)`), rather than wait out our own.
      reporting = false;
      clearTimeout(timer);
      if (finished) return;
      if (terminated) tree?.kill();
      else tree?.terminate();
    },
  };
}
