/**
 * `xstate-otp sessions [--journal PATH] [--json]`: the sessions a journal
 * recorded, for looking at a host after the fact (or while it runs: the
 * journal is only read, see `journalSnapshot.ts`).
 *
 * ```
 * $ xstate-otp sessions --journal .xstate-otp/journal.jsonl
 * SESSION      STATE      RESTARTS  CREATED              DURATION  REASON
 * run1-build   completed         0  2025-01-02 03:04:05      3.0s
 * run1-flaky   failed            2  2025-01-02 03:04:05      2.8s  restart limit reached: agent exited with code 3…
 * 2 sessions: 1 completed, 1 failed
 * Reasons in full:
 *   run1-flaky  Reached the maximum restart intensity (2 restarts within 60000 ms); the last failure …
 * ```
 *
 * Durable sessions add an ATTEMPTS column (1, plus one per resume).
 *
 * `--json` prints the rows as a JSON array instead (`SessionRow`: times in
 * epoch ms, `pending: true` on a session whose interruption is not recorded yet).
 */
import type { CliIo } from './io.js';
import { wantsColor } from './io.js';
import { type JournalSnapshot, readJournalSnapshot } from './journalSnapshot.js';
import { countLine, reasonLines, sessionTableLines } from './sessionTable.js';
import { createPainter } from './table.js';

function notes(snapshot: JournalSnapshot): string[] {
  const lines: string[] = [];
  if (snapshot.holder) {
    lines.push(
      `The journal is held by the live process ${snapshot.holder.pid}: its open sessions are still running.`,
    );
  }
  if (snapshot.sessions.some((row) => row.pending && row.attempt !== undefined)) {
    lines.push(
      '* durable sessions without a terminal record: the next manager to open this journal with their session type resumes them (ATTEMPTS + 1).',
    );
  }
  if (snapshot.sessions.some((row) => row.pending && row.attempt === undefined)) {
    lines.push(
      '* no terminal record yet: the host stopped without writing one; the next manager to open this journal records it as interrupted.',
    );
  }
  if (snapshot.tornBytes > 0) {
    lines.push(
      `The last line of the journal is torn (${snapshot.tornBytes} bytes without a newline: a crash mid-write, or a write in progress) and was skipped; the next host to open the journal moves it aside to ${snapshot.path}.torn-<time>.`,
    );
  }
  return lines;
}

export async function sessionsCommand(
  io: CliIo,
  options: { journal: string; json: boolean },
): Promise<number> {
  const snapshot = await readJournalSnapshot(options.journal);
  if (options.json) {
    io.out.write(`${JSON.stringify(snapshot.sessions, null, 2)}\n`);
    return 0;
  }
  const lines =
    snapshot.sessions.length === 0
      ? [`No sessions in ${snapshot.path}.`, ...notes(snapshot)]
      : [
          ...sessionTableLines(snapshot.sessions, {
            now: Date.now(),
            painter: createPainter(wantsColor(io)),
          }),
          countLine(snapshot.sessions),
          ...reasonLines(snapshot.sessions, {}),
          ...notes(snapshot),
        ];
  io.out.write(`${lines.join('\n')}\n`);
  return 0;
}
