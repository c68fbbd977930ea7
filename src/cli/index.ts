/**
 * The `xstate-otp` command line: `runCli(argv, io)` parses a command line,
 * runs the command and returns the exit status. `main.ts` is the `bin`
 * that calls it with the process's own arguments and streams.
 *
 * ```ts
 * import { processIo, runCli } from './index.js';
 *
 * process.exitCode = await runCli(['sessions', '--journal', '.xstate-otp/journal.jsonl'], processIo());
 * ```
 *
 * See docs/cli.md.
 */
export { type CliIo, type Output, processIo } from './io.js';
export { runCli } from './run.js';
