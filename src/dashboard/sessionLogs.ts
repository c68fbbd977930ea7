/**
 * Bounded, per-session logs with sequence numbers: the recent events and the
 * process output lines the session page shows.
 *
 * ```ts
 * const output = new SessionLogs<OutputLine>({ perSession: 500, keepEnded: 100 });
 * output.push('fix-42', (seq) => ({ seq, at: Date.now(), child: 'agent', stream: 'stdout', line }));
 * output.since('fix-42', 0);   // every line kept, oldest first
 * output.since('fix-42', 17);  // only those with seq > 17
 * output.ended('fix-42');      // kept a while: the logs of the `keepEnded` latest ended sessions stay
 * ```
 *
 * Memory is bounded twice: each session keeps at most `perSession` entries
 * (oldest dropped first), and the logs of ended sessions are dropped once
 * more than `keepEnded` sessions have ended since.
 */

export interface SessionLogsOptions {
  /** Entries kept per session. */
  perSession: number;
  /** Ended sessions whose logs are kept. */
  keepEnded: number;
}

interface Ring<T> {
  items: (T | undefined)[];
  /** Index of the oldest entry. */
  start: number;
  size: number;
}

export class SessionLogs<T extends { seq: number }> {
  readonly #options: SessionLogsOptions;
  readonly #rings = new Map<string, Ring<T>>();
  /** Ended sessions, oldest end first (a Set keeps insertion order). */
  readonly #ended = new Set<string>();
  #seq = 0;

  constructor(options: SessionLogsOptions) {
    this.#options = options;
  }

  /** Appends the entry `make(seq)` to the session's log. */
  push(sessionId: string, make: (seq: number) => T): void {
    let ring = this.#rings.get(sessionId);
    if (!ring) {
      ring = { items: [], start: 0, size: 0 };
      this.#rings.set(sessionId, ring);
    }
    this.#seq += 1;
    const entry = make(this.#seq);
    const capacity = this.#options.perSession;
    if (capacity <= 0) return;
    if (ring.size < capacity) {
      ring.items.push(entry);
      ring.size += 1;
      return;
    }
    ring.items[ring.start] = entry;
    ring.start = (ring.start + 1) % capacity;
  }

  /** Entries with a sequence number above `after`, oldest first. */
  since(sessionId: string, after = 0): T[] {
    const ring = this.#rings.get(sessionId);
    if (!ring) return [];
    const out: T[] = [];
    for (let i = 0; i < ring.size; i++) {
      const entry = ring.items[(ring.start + i) % ring.items.length];
      if (entry && entry.seq > after) out.push(entry);
    }
    return out;
  }

  has(sessionId: string): boolean {
    return this.#rings.has(sessionId);
  }

  /** The session ended: its log is dropped after `keepEnded` later ends. */
  ended(sessionId: string): void {
    if (!this.#rings.has(sessionId) || this.#ended.has(sessionId)) return;
    this.#ended.add(sessionId);
    while (this.#ended.size > this.#options.keepEnded) {
      const oldest = this.#ended.values().next().value as string;
      this.#ended.delete(oldest);
      this.#rings.delete(oldest);
    }
  }

  /** Forgets a session at once (it left the source). */
  drop(sessionId: string): void {
    this.#ended.delete(sessionId);
    this.#rings.delete(sessionId);
  }
}
