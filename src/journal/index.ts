/**
 * Persistence for session outcomes: an append-only journal (in memory or a
 * JSON-lines file) and the pure fold that replays it.
 *
 * ```ts
 * import { createFileJournal, replayJournal } from './journal/index.js';
 * const journal = createFileJournal('.xstate-otp/journal.jsonl');
 * const { sessions, unterminated } = replayJournal(await journal.open());
 * ```
 */
export { createFileJournal, type FileJournal, type FileJournalStats } from './fileJournal.js';
export {
  isRecordOfType,
  type Journal,
  type JournalCreatedRecord,
  type JournalExtensionRecord,
  type JournalRecord,
  type JournalStartedRecord,
  type JournalTerminalRecord,
  type JournalWorkspaceRecord,
  type KnownJournalRecords,
  OUTCOMES,
  type Outcome,
  type TerminalRecord,
} from './journal.js';
export { createMemoryJournal, type MemoryJournal } from './memoryJournal.js';
export { recordProblem } from './records.js';
export { type JournalReplay, replayJournal, type SessionSummary } from './replay.js';
