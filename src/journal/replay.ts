/**
 * Folding journal records into one summary per session: what a restarted
 * manager rebuilds its dashboard from and reconciles.
 *
 * ```ts
 * const { sessions, unterminated } = replayJournal(await journal.open());
 * const now = Date.now();
 * await Promise.all(unterminated.map((s) => journal.append({ type: 'terminal', sessionId: s.sessionId, at: now,
 *   outcome: 'interrupted', createdAt: s.createdAt, endedAt: now, restarts: 0 })));
 * // a second open finds them terminated and appends nothing
 * ```
 *
 * Pure, and trusts its input (`open()` has validated it). Rules:
 * - Sessions appear in first-seen order: normally the order of their
 *   `created` records. Any known record type (`created`, `started`,
 *   `terminal`, `workspace`, `resumed`) introduces its session; other types are ignored,
 *   so a newer journal still replays on an older reader.
 * - `createdAt`: the `created` record's `at`; for a session whose `created`
 *   record is missing, the terminal's `createdAt`, else the first record's `at`.
 * - First wins for `created` (with its `metadata` and `spec`), `started` and
 *   `terminal`: terminal outcomes are written once, so a second one is a bug
 *   and the first is what callers were told. Last wins for `workspace`.
 * - A durable session (`created.durable`) counts `attempts`: 1, then the
 *   `attempt` of its latest `resumed` record, whose `host` becomes its host,
 *   whose `from` (or none) its `resumedFrom`, and whose `traceContext` (or
 *   none) its `traceContext`.
 * - `unterminated`: the sessions without a terminal record, same order.
 */
import {
  isRecordOfType,
  type JournalRecord,
  type JournalTerminalRecord,
  type JournalWorkspaceRecord,
} from './journal.js';

export interface SessionSummary {
  sessionId: string;
  createdAt: number;
  /** The last restart count a `restarts` record gave (a live session's restarts so far). */
  restarts?: number;
  /** The host that owns (or owned) it, from its `created` record. */
  host?: string;
  startedAt?: number;
  metadata?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  /** The session's terminal record, as written (it is also a `TerminalRecord`). */
  terminal?: JournalTerminalRecord;
  /** The last workspace record, raw. */
  workspace?: JournalWorkspaceRecord;
  /** A durable session: its type and input, from its `created` record. */
  durable?: { type: string; input?: unknown; timeoutMs?: number };
  /** A durable session's attempts so far: 1, plus one per `resumed` record. */
  attempts?: number;
  /** The host of the attempt before the latest resume (that `resumed` record's `from`), when it named one. */
  resumedFrom?: string;
  /** The W3C trace context of a durable session's latest attempt, when it was traced. */
  traceContext?: Record<string, string>;
}

export interface JournalReplay {
  sessions: SessionSummary[];
  unterminated: SessionSummary[];
}

// `checkpoint` records are not folded: their snapshots may be large, and only
// a resume needs them (it reads them by offset, for one session).
const KNOWN = new Set(['created', 'started', 'restarts', 'terminal', 'workspace', 'resumed']);

type Folding = SessionSummary & { seenCreated?: boolean };

/**
 * The same fold, one record at a time, for a reader that learns of records
 * as they are appended (the dashboard's journal view): `add` each record in
 * journal order, then ask for any session's summary.
 */
export class JournalFold {
  readonly #byId = new Map<string, Folding>();

  add(record: JournalRecord): void {
    if (!KNOWN.has(record.type)) return;
    let session = this.#byId.get(record.sessionId);
    if (!session) {
      session = { sessionId: record.sessionId, createdAt: record.at };
      this.#byId.set(record.sessionId, session);
    }
    if (isRecordOfType(record, 'created')) {
      if (session.seenCreated) return;
      session.seenCreated = true;
      session.createdAt = record.at;
      if (record.host !== undefined) session.host = record.host;
      if (record.metadata !== undefined) session.metadata = record.metadata;
      if (record.spec !== undefined) session.spec = record.spec;
      if (record.durable !== undefined) {
        session.durable = record.durable;
        session.attempts ??= 1;
        if (record.traceContext !== undefined) session.traceContext = record.traceContext;
      }
    } else if (isRecordOfType(record, 'started')) {
      session.startedAt ??= record.at;
    } else if (isRecordOfType(record, 'terminal')) {
      if (session.terminal) return;
      session.terminal = record;
      if (!session.seenCreated) session.createdAt = record.createdAt;
      if (session.metadata === undefined && record.metadata !== undefined) {
        session.metadata = record.metadata;
      }
    } else if (record.type === 'restarts' && typeof record.restarts === 'number') {
      session.restarts = record.restarts;
    } else if (isRecordOfType(record, 'resumed')) {
      session.attempts = Math.max(session.attempts ?? 1, record.attempt);
      session.host = record.host;
      if (record.from === undefined) delete session.resumedFrom;
      else session.resumedFrom = record.from;
      // The latest attempt's, or none when it was not traced.
      if (record.traceContext === undefined) delete session.traceContext;
      else session.traceContext = record.traceContext;
    } else if (isRecordOfType(record, 'workspace')) {
      session.workspace = record;
    }
  }

  /** One session's summary so far (a fresh object), or `undefined` before any known record. */
  summary(sessionId: string): SessionSummary | undefined {
    const session = this.#byId.get(sessionId);
    if (!session) return undefined;
    const { seenCreated: _, ...summary } = session;
    return summary;
  }

  /** Every session's summary, in first-seen order. */
  sessions(): SessionSummary[] {
    return [...this.#byId.values()].map(({ seenCreated: _, ...summary }) => summary);
  }
}

export function replayJournal(records: readonly JournalRecord[]): JournalReplay {
  const fold = new JournalFold();
  for (const record of records) fold.add(record);
  const sessions = fold.sessions();
  return { sessions, unterminated: sessions.filter((session) => !session.terminal) };
}
