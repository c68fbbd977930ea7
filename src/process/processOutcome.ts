/**
 * From input to outcome: `fromProcess` input checked and defaulted, and a
 * finished run turned into the actor's output or its `ProcessExitError`, with
 * a message that says what happened and what to do about it.
 *
 * ```ts
 * const input = resolveProcessInput({ command: 'make', args: ['-j4'] });
 * // a run that exited 2:
 * processExitError(result, input).message
 * // 'Command `make -j4` exited with code 2 after 1520 ms. Its last output is in ...'
 * ```
 */
import { constants } from 'node:os';
import { ProcessExitError } from '../ground/errors.js';
import type { ProcessOutput, ProcessResult, ResolvedProcessInput } from './processTypes.js';

export const DEFAULT_FORCE_KILL_AFTER_MS = 5000;
export const DEFAULT_TAIL_BYTES = 64 * 1024;

function invalid(command: string, problem: string): ProcessExitError {
  return new ProcessExitError(
    'spawn_failed',
    `fromProcess cannot start: ${problem}. Fix the actor's input (see ProcessInput).`,
    { command },
  );
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Applies defaults; throws a `spawn_failed` `ProcessExitError` naming the bad field. */
export function resolveProcessInput(input: unknown): ResolvedProcessInput {
  if (typeof input !== 'object' || input === null) {
    throw invalid('', `input must be an object like { command, args }, got ${String(input)}`);
  }
  const raw = input as Record<string, unknown>;
  const { command, args = [], cwd, env = {}, timeoutMs, sessionId } = raw;
  const killSignal = raw.killSignal ?? 'SIGTERM';
  const forceKillAfterMs = raw.forceKillAfterMs ?? DEFAULT_FORCE_KILL_AFTER_MS;
  const tailBytes = raw.tailBytes ?? DEFAULT_TAIL_BYTES;
  const shown = typeof command === 'string' ? command : '';
  if (typeof command !== 'string' || command === '') {
    throw invalid(shown, 'input.command must be a non-empty string');
  }
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
    throw invalid(shown, 'input.args must be an array of strings');
  }
  if (cwd !== undefined && typeof cwd !== 'string') {
    throw invalid(shown, 'input.cwd must be a string');
  }
  if (
    typeof env !== 'object' ||
    env === null ||
    !Object.values(env).every((value) => typeof value === 'string')
  ) {
    throw invalid(shown, 'input.env must be an object of strings');
  }
  if (timeoutMs !== undefined && !(isNonNegativeInteger(timeoutMs) && timeoutMs > 0)) {
    throw invalid(shown, `input.timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  }
  if (typeof killSignal !== 'string' || !(killSignal in constants.signals)) {
    throw invalid(
      shown,
      `input.killSignal must be a signal name like 'SIGTERM', got ${String(killSignal)}`,
    );
  }
  if (!isNonNegativeInteger(forceKillAfterMs)) {
    throw invalid(
      shown,
      `input.forceKillAfterMs must be an integer >= 0, got ${String(forceKillAfterMs)}`,
    );
  }
  if (!isNonNegativeInteger(tailBytes)) {
    throw invalid(shown, `input.tailBytes must be an integer >= 0, got ${String(tailBytes)}`);
  }
  if (sessionId !== undefined && typeof sessionId !== 'string') {
    throw invalid(shown, 'input.sessionId must be a string');
  }
  return {
    command,
    args: [...args],
    cwd,
    env: { ...(env as Record<string, string>) },
    timeoutMs,
    killSignal: killSignal as NodeJS.Signals,
    forceKillAfterMs,
    tailBytes,
    sessionId,
  };
}

const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/** The command line as a shell user would type it (for messages only: it is never run by a shell). */
export function describeCommand(command: string, args: readonly string[] = []): string {
  const quote = (word: string) =>
    SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
  const line = [command, ...args].map(quote).join(' ');
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** The output of a run that ended well: exit 0, or any end after a shutdown request. */
export function processOutput(result: ProcessResult): ProcessOutput {
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stopped: result.terminated,
    durationMs: result.durationMs,
    stdoutTail: result.stdoutTail,
    stderrTail: result.stderrTail,
  };
}

/** True when the run counts as a success (exit 0, not timed out). */
export function exitedCleanly(result: ProcessResult): boolean {
  return result.exitCode === 0 && !result.timedOut && result.spawnError === undefined;
}

/** The error of a run that did not end well. */
export function processExitError(
  result: ProcessResult,
  input: ResolvedProcessInput,
): ProcessExitError {
  // Bad input is already a ProcessExitError, made before there was a command to run.
  if (result.spawnError instanceof ProcessExitError) return result.spawnError;
  const command = describeCommand(input.command, input.args);
  const details = {
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    stdoutTail: result.stdoutTail,
    stderrTail: result.stderrTail,
  };
  if (result.spawnError !== undefined) {
    // execa's `originalMessage` is the OS error (and names an invalid cwd), without its own preamble.
    const { originalMessage, message } = result.spawnError as Record<string, unknown>;
    const reason = originalMessage ?? message ?? result.spawnError;
    return new ProcessExitError(
      'spawn_failed',
      `Command \`${command}\` could not start: ${String(reason)}. Check that the program exists, ` +
        `is executable and is on PATH (or give its absolute path), and that the working directory ` +
        `${input.cwd ? `"${input.cwd}" ` : ''}exists.`,
      { ...details, cause: result.spawnError },
    );
  }
  const after = `after ${Math.round(result.durationMs)} ms`;
  const seeTails = 'Its last output is in error.stdoutTail and error.stderrTail.';
  if (result.timedOut) {
    return new ProcessExitError(
      'process_exit',
      `Command \`${command}\` timed out after ${input.timeoutMs} ms (timeoutMs) and was killed ` +
        `with ${input.killSignal}. ${seeTails} Raise timeoutMs if it needs longer, or find out ` +
        'why it hangs (waiting for input? a lock?).',
      details,
    );
  }
  if (result.signal !== undefined) {
    return new ProcessExitError(
      'process_exit',
      `Command \`${command}\` was killed by ${result.signal} ${after}, not by xstate-otp: it ` +
        `crashed or something outside the runtime signalled it (SIGKILL often means the ` +
        `out-of-memory killer). ${seeTails}`,
      details,
    );
  }
  return new ProcessExitError(
    'process_exit',
    `Command \`${command}\` exited with code ${result.exitCode} ${after}. ${seeTails} ` +
      'Fix what it reports; a supervisor restarts it only if its restart type says so.',
    details,
  );
}
