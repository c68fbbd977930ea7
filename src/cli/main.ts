#!/usr/bin/env node
/**
 * The `xstate-otp` command (the package's `bin`). See `usage.ts` for the
 * commands, or run `xstate-otp --help`.
 *
 * ```
 * $ npx xstate-otp demo
 * $ npx xstate-otp sessions --journal .xstate-otp/journal.jsonl --json
 * $ npx xstate-otp diagram session > session.mmd
 * ```
 *
 * The Node version is checked before anything else is loaded: on an older
 * Node a dependency would fail to load with a cryptic error instead.
 *
 * The exit status is set rather than forced with `process.exit()`: the
 * process ends when nothing is left to do, so a handle leaked by a command
 * shows up as a hang instead of being papered over.
 */
import { nodeVersionProblem } from '../ground/nodeVersion.js';

const problem = nodeVersionProblem();
if (problem !== undefined) {
  process.stderr.write(`xstate-otp: ${problem}\n`);
  process.exitCode = 1;
} else {
  // A reader that went away (`xstate-otp sessions | head`) is not an error
  // worth a stack trace. Mid-demo it cuts the run short, like Ctrl-C.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  const { processIo } = await import('./io.js');
  const { runCli } = await import('./run.js');
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}
