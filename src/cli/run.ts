/**
 * `runCli(argv, io)`: parses the command line, runs the command and returns
 * the exit status. Every failure becomes one line on stderr
 * (`xstate-otp: <what went wrong>`): 2 for bad arguments, 1 otherwise.
 *
 * ```ts
 * import { processIo } from './io.js';
 *
 * process.exitCode = await runCli(process.argv.slice(2), processIo());
 * ```
 */
import { readFileSync } from 'node:fs';
import { errorMessage } from '../ground/errorMessage.js';
import { OtpError } from '../ground/errors.js';
import { parseCommandLine } from './args.js';
import { CliError } from './errors.js';
import { oneLine } from './format.js';
import type { CliIo } from './io.js';
import { usage } from './usage.js';

function version(): string {
  const manifest = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const line = parseCommandLine(argv);
    switch (line.command) {
      case 'help':
        io.out.write(usage(line.topic));
        return 0;
      case 'version':
        io.out.write(`${version()}\n`);
        return 0;
      // Each command loads what it needs: `--help` and a typo stay instant.
      case 'diagram': {
        const { diagramText } = await import('./diagrams.js');
        io.out.write(diagramText(line.machine, { markdown: line.markdown }));
        return 0;
      }
      case 'sessions': {
        const { sessionsCommand } = await import('./sessionsCommand.js');
        return await sessionsCommand(io, line);
      }
      case 'dashboard': {
        const { dashboardCommand } = await import('./dashboardCommand.js');
        return await dashboardCommand(io, line);
      }
      case 'demo': {
        const { runDemo } = await import('./demo/index.js');
        return await runDemo(io, line);
      }
    }
  } catch (error) {
    const hint =
      error instanceof CliError && error.exitCode === 2 ? " (see 'xstate-otp --help')" : '';
    const message =
      error instanceof CliError || error instanceof OtpError
        ? error.message
        : `unexpected error: ${errorMessage(error)}`;
    io.err.write(`xstate-otp: ${oneLine(message)}${hint}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
