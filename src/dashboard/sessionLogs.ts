/**
 * Bounded, per-session logs with sequence numbers: the recent events and the
 * process output lines the session page shows.
 *
 * ```ts
 * const output = new SessionLogs<OutputLine>({ perSession: 500, maxBytes: 64 * 1024, keepEnded: 200 });
 * output.push('fix-42', (seq) => ({ seq, at: Date.now(), child: 'agent', stream: 'stdout', line }), line.length);
 * output.since('fix-42', 0);   // every entry kept, oldest first
 * output.since('fix-42', 17);  // only those with seq > 17
 * output.ended('fix-42');      // kept a while: the logs of the `keepEnded` latest ended sessions stay
 * ```
 *
 * Memory is bounded three ways: each session keeps at most `perSession`
 * entries and `maxBytes` of them (as `push` sizes them), oldest dropped
 * first; and the logs of ended sessions are dropped once more than
 * `keepEnded` sessions have ended since. (A `fromProcess` actor keeps 64 KiB
 * of each stream itself; the same order of memory per session here.)
 */

export interface SessionLogsOptions {
  /** Entries kept per session. */
  perSession: number;
  /** Size kept per session, as measured by `push`'s `size`. Default: no limit but `perSession`. */
  maxBytes?: number;
  /** Ended sessions whose logs are kept. */
  keepEnded: number;
}

interface Log<T> {
  entries: T[];
  sizes: number[];
  /** Index of the oldest entry kept: dropping from the front is O(1). */
  start: number;
  bytes: number;
}

export class SessionLogs<T extends { seq: number }> {
  readonly #options: SessionLogsOptions;
  readonly #logs = new Map<string, Log<T>>();
  /** Ended sessions, oldest end first (a Set keeps insertion order). */
  readonly #ended = new Set<string>();
  #seq = 0;

  constructor(options: SessionLogsOptions) {
    this.#options = options;
  }

  /** Appends the entry `make(seq)`, of `size` bytes, to the session's log. */
  push(sessionId: string, make: (seq: number) => T, size = 0): void {
    const { perSession, maxBytes = Number.POSITIVE_INFINITY } = this.#options;
    this.#seq += 1;
    if (perSession <= 0) return;
    let log = this.#logs.get(sessionId);
    if (!log) {
      log = { entries: [], sizes: [], start: 0, bytes: 0 };
      this.#logs.set(sessionId, log);
    }
    log.entries.push(make(this.#seq));
    log.sizes.push(size);
    log.bytes += size;
    while (
      log.entries.length - log.start > perSession ||
      (log.bytes > maxBytes && log.entries.length - log.start > 1)
    ) {
      log.bytes -= log.sizes[log.start]!;
      log.start += 1;
    }
    // Compact now and then, so the arrays stay about `perSession` long.
    if (log.start > perSession) {
      log.entries = log.entries.slice(log.start);
      log.sizes = log.sizes.slice(log.start);
      log.start = 0;
    }
  }

  /** Entries with a sequence number above `after`, oldest first. */
  since(sessionId: string, after = 0): T[] {
    const log = this.#logs.get(sessionId);
    if (!log) return [];
    const out: T[] = [];
    for (let i = log.start; i < log.entries.length; i++) {
      const entry = log.entries[i]!;
      if (entry.seq > after) out.push(entry);
    }
    return out;
  }

  has(sessionId: string): boolean {
    return this.#logs.has(sessionId);
  }

  /** The session ended: its log is dropped after `keepEnded` later ends. */
  ended(sessionId: string): void {
    if (!this.#logs.has(sessionId) || this.#ended.has(sessionId)) return;
    this.#ended.add(sessionId);
    while (this.#ended.size > this.#options.keepEnded) {
      const oldest = this.#ended.values().next().value as string;
      this.#ended.delete(oldest);
      this.#logs.delete(oldest);
    }
  }
}
