/**
 * The journal: the session manager's durable, append-only record of what
 * happened to every session, and the contract its two implementations share.
 *
 * ```ts
 * const journal = createFileJournal('.xstate-otp/journal.jsonl');
 * const records = await journal.open(); // takes the lock, returns history
 * const { unterminated } = replayJournal(records);
 * for (const s of unterminated) {
 *   await journal.append({ type: 'terminal', sessionId: s.sessionId, at: Date.now(),
 *     outcome: 'interrupted', createdAt: s.createdAt, endedAt: Date.now(), restarts: 0 });
 * }
 * await journal.append({ type: 'created', sessionId: 'a1', at: Date.now() }); // durable once resolved
 * await journal.close();
 * ```
 *
 * Semantics shared by every `Journal`:
 * - One JSON object per record with at least `type`, `sessionId` and `at`
 *   (epoch ms). Record types are open: any `{ type, sessionId, at, ... }`
 *   round-trips, so later features add record types without a format change.
 *   The four known types are validated more strictly (see `records.ts`).
 * - Records are stored as their JSON form: what `open()` returns later is what
 *   `JSON.parse(JSON.stringify(record))` gives now (`undefined` fields vanish).
 * - `append` resolves once the record is durable and rejects with a
 *   `JournalError` otherwise; records land in the order `append` was called.
 * - One holder at a time: `open()` on a journal that is already open (by this
 *   or any live process, through any spelling of its path) fails with
 *   `JournalError` 'locked'. `close()` flushes and releases it; the same
 *   object may then be opened again, which replays everything including what
 *   was appended before the close.
 * - A failed append fails the journal: once an append has rejected with 'io'
 *   (the disk is full, the device failed), `failure` holds that error and
 *   every later append rejects with it, without trying, until the journal is
 *   closed and opened again. The caller (the session manager) must then stop
 *   accepting sessions: what it would write next could not be kept either.
 *   A rejected 'corrupt' append (an invalid record) does not fail the journal.
 * - Nothing is destroyed that the journal did not write: `open()` refuses a
 *   file that is not a journal, or has a bad line, with 'corrupt' and leaves
 *   it untouched; only a torn last line (a crash mid-write) is set aside.
 * - `scope` names the journal for process markers: every process started
 *   under a journal carries it, so reconciliation kills its own journal's
 *   leftovers and never another's.
 */

import type { JournalError } from '../ground/errors.js';
import type { TerminalRecord } from '../ground/outcome.js';

export { OUTCOMES, type Outcome, type TerminalRecord } from '../ground/outcome.js';

export interface JournalCreatedRecord {
  type: 'created';
  sessionId: string;
  at: number;
  /** The host that created (owns) the session. */
  host?: string;
  metadata?: Record<string, unknown>;
  /** A small JSON summary of the session spec (child ids, strategy...), for display. */
  spec?: Record<string, unknown>;
  /** A durable session: the type that rebuilds it, its JSON input, its timeout (from `at`). */
  durable?: { type: string; input?: unknown; timeoutMs?: number };
  /**
   * A durable session's first attempt, traced: the W3C trace context a
   * telemetry subscriber gave it (`traceparent`…), for the next attempt to
   * link to.
   */
  traceContext?: Record<string, string>;
}

/**
 * A durable session's machine child, as its last macrostep left it
 * (`getPersistedSnapshot()`): what the next attempt restores it from. The
 * last one per child wins.
 */
export interface JournalCheckpointRecord {
  type: 'checkpoint';
  sessionId: string;
  at: number;
  childId: string;
  snapshot: unknown;
}

/** A durable session resumed by a later run: its `attempt` (2 for the first resume). */
export interface JournalResumedRecord {
  type: 'resumed';
  sessionId: string;
  at: number;
  attempt: number;
  /** The host that resumed it. */
  host: string;
  /** The host of the attempt before (the one that died or handed it off). */
  from?: string;
  /** This attempt's W3C trace context, when it was traced (see `created`). */
  traceContext?: Record<string, string>;
}

export interface JournalStartedRecord {
  type: 'started';
  sessionId: string;
  at: number;
}

/** A terminal line carries every `TerminalRecord` field, so it is one. */
export interface JournalTerminalRecord extends TerminalRecord {
  type: 'terminal';
  at: number;
}

/** A workspace created for a session; only `path` is required by the journal. */
export interface JournalWorkspaceRecord {
  type: 'workspace';
  sessionId: string;
  at: number;
  path: string;
  kind?: string;
  branch?: string;
  repo?: string;
  keep?: 'never' | 'on_failure' | 'always';
  [key: string]: unknown;
}

/** Any other record type: stored and replayed as is, ignored by `replayJournal`. */
export interface JournalExtensionRecord {
  type: string;
  sessionId: string;
  at: number;
  [key: string]: unknown;
}

export type JournalRecord =
  | JournalCreatedRecord
  | JournalStartedRecord
  | JournalTerminalRecord
  | JournalWorkspaceRecord
  | JournalCheckpointRecord
  | JournalResumedRecord
  | JournalExtensionRecord;

export interface KnownJournalRecords {
  created: JournalCreatedRecord;
  started: JournalStartedRecord;
  terminal: JournalTerminalRecord;
  workspace: JournalWorkspaceRecord;
  checkpoint: JournalCheckpointRecord;
  resumed: JournalResumedRecord;
}

/**
 * Narrows a record to a known type. Needed because the open extension member
 * (`type: string`) stops `record.type === 'terminal'` from narrowing alone.
 */
export function isRecordOfType<T extends keyof KnownJournalRecords>(
  record: JournalRecord,
  type: T,
): record is KnownJournalRecords[T] {
  return record.type === type;
}

export interface Journal {
  /**
   * Take the single-holder lock and return every record so far, in append
   * order. Rejects with `JournalError` 'locked' while another holder has it,
   * 'corrupt' (with `line`) for a damaged journal, 'io' when storage fails.
   */
  open(): Promise<JournalRecord[]>;
  /**
   * Append one record; resolves once it is durable (written and fsynced for
   * the file journal). Rejects with `JournalError`: 'io' when not open or on a
   * storage failure, 'corrupt' for a value that is not a valid record.
   */
  append(record: JournalRecord): Promise<void>;
  /**
   * One session's records, in append order (empty when it has none), read
   * by where they are rather than by reading everything: what a retired
   * session or a dashboard's session page costs stays the same however
   * large the journal grows. Only while open; rejects with `JournalError`
   * 'io'. Optional for other implementations (a reader then falls back to
   * reading the whole journal).
   */
  readSession?(sessionId: string): Promise<JournalRecord[]>;
  /** Wait for pending appends, then release the lock. Idempotent. */
  close(): Promise<void>;
  /** The journal file, for file journals. */
  readonly path?: string;
  /**
   * The error of the first append that failed with 'io' since `open()`;
   * while set, every append rejects with it. Absent on journals that cannot fail.
   */
  readonly failure?: JournalError | undefined;
  /**
   * A short id of this journal for the `XSTATE_OTP_SCOPE` process marker:
   * `journalScope(realPath)` for a file journal, random for a memory journal.
   */
  readonly scope?: string;
}
