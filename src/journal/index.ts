/**
 * Persistence for session outcomes: an append-only journal (in memory or a
 * JSON-lines file), the pure fold that replays it, and a read-only reader.
 *
 * ```ts
 * import { createFileJournal } from 'xstate-otp';
 * import { replayJournal } from 'xstate-otp/store';
 * import { readJournal } from './index.js';
 *
 * const journal = createFileJournal('.xstate-otp/journal.jsonl');
 * const { sessions, unterminated } = replayJournal(await journal.open());
 *
 * // Elsewhere, without taking the lock (the CLI's `sessions`):
 * const { records, holder } = await readJournal('.xstate-otp/journal.jsonl');
 * ```
 */
export {
  createFileJournal,
  type FileJournal,
  type FileJournalOptions,
  type FileJournalStats,
} from './fileJournal.js';
export {
  isRecordOfType,
  type Journal,
  type JournalCheckpointRecord,
  type JournalCreatedRecord,
  type JournalExtensionRecord,
  type JournalRecord,
  type JournalResumedRecord,
  type JournalStartedRecord,
  type JournalTerminalRecord,
  type JournalWorkspaceRecord,
  type KnownJournalRecords,
  OUTCOMES,
  type Outcome,
  type TerminalRecord,
} from './journal.js';
export type { LockHolder } from './lockFile.js';
export { createMemoryJournal, type MemoryJournal } from './memoryJournal.js';
export { isPlainJson, isPlainJsonObject, plainJsonProblem } from './plainJson.js';
export { type JournalReading, readJournal } from './readJournal.js';
export { journalScope, randomScope, realJournalPath } from './realPath.js';
export { RecordIndex, readSpans } from './recordIndex.js';
export { recordProblem } from './records.js';
export { JournalFold, type JournalReplay, replayJournal, type SessionSummary } from './replay.js';
