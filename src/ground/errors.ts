/**
 * The runtime's error hierarchy.
 *
 * Every error thrown or reported by xstate-otp is an `OtpError` with a stable
 * string `code`, so callers branch on `error.code` rather than on messages:
 *
 * ```ts
 * try {
 *   startChild(sup, spec);
 * } catch (error) {
 *   if (error instanceof SupervisorError && error.code === 'already_started') console.warn('it runs already');
 * }
 * ```
 *
 * Bad input is always reported synchronously with one of these, before any
 * state changes: nothing is half-applied.
 */
export class OtpError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export type SupervisorErrorCode =
  | 'invalid_spec'
  | 'already_started'
  | 'already_present'
  | 'not_found'
  | 'running'
  | 'restarting'
  | 'max_children'
  | 'max_restart_intensity'
  | 'start_failed'
  | 'not_running';

export class SupervisorError extends OtpError {
  declare readonly code: SupervisorErrorCode;
  /** The child the error is about, when there is one. */
  readonly childId: string | undefined;
  /** A supervisor's failure (escalation): its restarts, all children together. */
  readonly restarts: number | undefined;

  constructor(
    code: SupervisorErrorCode,
    message: string,
    options?: { cause?: unknown; childId?: string; restarts?: number },
  ) {
    super(code, message, options);
    this.childId = options?.childId;
    this.restarts = options?.restarts;
  }
}

export type RegistryErrorCode = 'already_registered' | 'invalid_key';

export class RegistryError extends OtpError {
  declare readonly code: RegistryErrorCode;
  readonly key: string;

  constructor(code: RegistryErrorCode, key: string, message: string) {
    super(code, message);
    this.key = key;
  }
}

export type SessionErrorCode =
  | 'invalid_id'
  | 'duplicate_id'
  | 'not_found'
  | 'stopped'
  | 'invalid_spec'
  | 'invalid_option'
  | 'invalid_event'
  /** A durable session's state could not be checkpointed (not plain JSON): the session fails. */
  | 'not_durable';

export class SessionError extends OtpError {
  declare readonly code: SessionErrorCode;
  readonly sessionId: string | undefined;

  constructor(code: SessionErrorCode, message: string, options?: { sessionId?: string }) {
    super(code, message);
    this.sessionId = options?.sessionId;
  }
}

export type JournalErrorCode = 'corrupt' | 'io' | 'locked';

export class JournalError extends OtpError {
  declare readonly code: JournalErrorCode;
  /** 1-based line number of a corrupt record. */
  readonly line: number | undefined;
  readonly path: string | undefined;

  constructor(
    code: JournalErrorCode,
    message: string,
    options?: { line?: number; path?: string; cause?: unknown },
  ) {
    super(code, message, options);
    this.line = options?.line;
    this.path = options?.path;
  }
}

export type ClusterErrorCode = 'unavailable' | 'unsupported_server' | 'fenced' | 'timeout';

/**
 * Cluster mode could not do what was asked: NATS is unreachable
 * (`unavailable`), the server is too old (`unsupported_server`), this host
 * lost ownership of a session to another host (`fenced`: nothing more is
 * written for it), or a request got no answer in time (`timeout`).
 */
export class ClusterError extends OtpError {
  declare readonly code: ClusterErrorCode;
  readonly sessionId: string | undefined;

  constructor(
    code: ClusterErrorCode,
    message: string,
    options?: { sessionId?: string; cause?: unknown },
  ) {
    super(code, message, options);
    this.sessionId = options?.sessionId;
  }
}

export type ProcessErrorCode = 'process_exit' | 'spawn_failed';

/**
 * A process child that did not exit 0: a non-zero exit, a signal, a timeout,
 * or a command that could not start at all (`spawn_failed`).
 */
export class ProcessExitError extends OtpError {
  declare readonly code: ProcessErrorCode;
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly timedOut: boolean;
  readonly stdoutTail: string;
  readonly stderrTail: string;

  constructor(
    code: ProcessErrorCode,
    message: string,
    details: {
      command: string;
      exitCode?: number | undefined;
      signal?: string | undefined;
      timedOut?: boolean;
      stdoutTail?: string;
      stderrTail?: string;
      cause?: unknown;
    },
  ) {
    super(code, message, { cause: details.cause });
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.timedOut = details.timedOut ?? false;
    this.stdoutTail = details.stdoutTail ?? '';
    this.stderrTail = details.stderrTail ?? '';
  }
}

/**
 * Why a workspace could not be created or removed. `workspace_failed` is
 * anything else (git failed in another way, a disk error); the message says what.
 */
export type WorkspaceErrorCode =
  | 'workspace_failed'
  | 'not_a_repository'
  | 'bad_ref'
  | 'branch_exists'
  | 'path_exists'
  | 'permission'
  | 'aborted'
  /** A resumed attempt found something else where its session's workspace was (it is left alone). */
  | 'workspace_replaced';

/** A session's workspace could not be created or removed; `code` and `message` name the cause. */
export class WorkspaceError extends OtpError {
  declare readonly code: WorkspaceErrorCode;

  constructor(code: WorkspaceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
