/**
 * Where each session's records are in a journal file: byte spans, kept as
 * the file is read and as records are appended, so that one session's
 * records are read by offset instead of by parsing the whole journal.
 *
 * ```ts
 * const index = new RecordIndex();
 * index.add('fix-42', 0, 57);          // the line at bytes 0..57 (its '\n' included)
 * index.add('fix-42', 913, 120);
 * const records = await readSpans(handle, index.spans('fix-42'));  // two reads, two JSON.parse
 * ```
 *
 * The index holds numbers only (two per record): a 20 MB journal of 30,000
 * sessions costs a few MB, and no record stays in memory. Spans name only
 * whole lines that are durable (read at open, or fsynced by an append), so a
 * read never meets a line that is half written. Lines are trusted: they
 * were validated when the file was opened or the record appended.
 */

import type { JournalRecord } from './journal.js';
import type { FileHandle } from './journalFs.js';

export class RecordIndex {
  /** Per session: start, length, start, length, … in file order. */
  #spans = new Map<string, number[]>();

  add(sessionId: string, start: number, length: number): void {
    const spans = this.#spans.get(sessionId);
    if (spans) spans.push(start, length);
    else this.#spans.set(sessionId, [start, length]);
  }

  /** The session's spans, flat (start, length pairs); empty when it has no record. */
  spans(sessionId: string): readonly number[] {
    return this.#spans.get(sessionId) ?? [];
  }

  has(sessionId: string): boolean {
    return this.#spans.has(sessionId);
  }

  /** Session ids in first-seen order. */
  ids(): IterableIterator<string> {
    return this.#spans.keys();
  }

  clear(): void {
    this.#spans.clear();
  }
}

/**
 * Reads the lines at `spans` (start, length pairs) and parses each one.
 * Adjacent spans are read together, so a session whose records sit side by
 * side costs one read.
 */
export async function readSpans(
  handle: FileHandle,
  spans: readonly number[],
): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  for (let i = 0; i < spans.length; ) {
    const start = spans[i]!;
    let end = start + spans[i + 1]!;
    let j = i + 2;
    while (j < spans.length && spans[j] === end) {
      end += spans[j + 1]!;
      j += 2;
    }
    const data = Buffer.allocUnsafe(end - start);
    let filled = 0;
    while (filled < data.length) {
      const { bytesRead } = await handle.read(data, filled, data.length - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled < data.length) {
      throw new Error(`the journal ended at byte ${start + filled}, before ${end}`);
    }
    for (let k = i, at = 0; k < j; k += 2) {
      const length = spans[k + 1]!;
      records.push(JSON.parse(data.toString('utf8', at, at + length)) as JournalRecord);
      at += length;
    }
    i = j;
  }
  return records;
}
