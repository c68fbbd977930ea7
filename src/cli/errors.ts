/**
 * What the CLI reports as one line on stderr, with its exit status.
 *
 * ```ts
 * throw new UsageError("unknown option '--colour'"); // exit 2
 * throw new CliError('no journal at /tmp/j.jsonl'); // exit 1
 * ```
 */

/** A failure the user can act on: printed as `xstate-otp: <message>`, exit status 1. */
export class CliError extends Error {
  readonly exitCode: number = 1;
}

/** Bad arguments: exit status 2, with a pointer to `--help`. */
export class UsageError extends CliError {
  override readonly exitCode: number = 2;
}
