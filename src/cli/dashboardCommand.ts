/**
 * `xstate-otp dashboard [--journal PATH] [--port N] [--host H] [--allowed-host NAME]...`:
 * a read-only web dashboard of a journal, until Ctrl-C.
 *
 * ```
 * $ xstate-otp dashboard --journal .xstate-otp/journal.jsonl
 * Dashboard: http://127.0.0.1:41234/#token=Jx2…
 * Read-only view of /home/me/project/.xstate-otp/journal.jsonl. Ctrl-C stops it.
 * ```
 *
 * The journal is read without its lock and never written, and read again as
 * it grows, so the page follows a live host too. The address carries the
 * access token in its fragment: whoever has it can read the journal, so
 * share it like a password. Actions are refused (405): a journal has no live
 * sessions to act on.
 */
import { resolve } from 'node:path';
import { openJournalSource } from '../dashboard/journalSource.js';
import { serveDashboard } from '../dashboard/serveDashboard.js';
import { JournalError, OtpError } from '../ground/errors.js';
import { CliError } from './errors.js';
import { oneLine } from './format.js';
import type { CliIo } from './io.js';

/** Resolves on the first SIGINT or SIGTERM. */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveSignal(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function dashboardCommand(
  io: CliIo,
  options: { journal: string; port: number; host: string; allowedHosts?: string[] },
): Promise<number> {
  const path = resolve(options.journal);
  let source: Awaited<ReturnType<typeof openJournalSource>>;
  try {
    source = await openJournalSource(path);
  } catch (error) {
    if (error instanceof JournalError) throw new CliError(oneLine(error.message));
    throw error;
  }
  try {
    const dashboard = await serveDashboard(source, {
      port: options.port,
      host: options.host,
      allowedHosts: options.allowedHosts ?? [],
    });
    io.out.write(`Dashboard: ${dashboard.url}\nRead-only view of ${path}. Ctrl-C stops it.\n`);
    await untilInterrupted();
    await dashboard.close();
    io.out.write('Dashboard stopped.\n');
    return 0;
  } catch (error) {
    if (error instanceof OtpError) throw new CliError(oneLine(error.message));
    throw error;
  } finally {
    source.close();
  }
}
