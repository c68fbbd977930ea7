/**
 * The in-memory journal: the default for a session manager without a path,
 * and the one tests use. Same contract as the file journal, minus the disk.
 *
 * ```ts
 * const journal = createMemoryJournal();
 * const first = await createSessionManager({ journal });
 * await first.stop();                                     // closes the journal
 * const second = await createSessionManager({ journal }); // replays first's records
 * journal.records();                                      // copies, in append order
 *
 * // A host that died without closing: seed a fresh journal with what it wrote.
 * const revived = createMemoryJournal(journal.records());
 * ```
 *
 * - Records are stored as their JSON form (validated exactly like the file
 *   journal's), so a test sees what a file round trip would give.
 * - `open()` while open is refused with 'locked', like a second opener of a
 *   file journal, so a test that shares one journal between two live
 *   managers fails the same way production would. After `close()` it can be
 *   opened again and replays everything.
 * - `initial` records are validated at `open()`: a bad one fails it with
 *   'corrupt' and `line` = its 1-based index, as a bad file line would.
 * - `append` is durable at once; it resolves in a microtask. It never fails
 *   with 'io' (there is no storage to fail), so there is no `failure`.
 * - `scope` is random, drawn once per object: managers that reopen the same
 *   memory journal share it, two memory journals never do.
 */
import { JournalError } from '../ground/errors.js';
import type { Journal, JournalRecord } from './journal.js';
import { randomScope } from './realPath.js';
import { encodeRecord, recordFromValue } from './records.js';

export interface MemoryJournal extends Journal {
  /** Deep copies of every record, in append order (including the initial ones). */
  records(): JournalRecord[];
  readSession(sessionId: string): Promise<JournalRecord[]>;
  readonly isOpen: boolean;
  /** Random, fixed for this object: every manager that opens it shares its processes' scope. */
  readonly scope: string;
}

const copy = (record: JournalRecord): JournalRecord => structuredClone(record);

export function createMemoryJournal(initial: readonly JournalRecord[] = []): MemoryJournal {
  let unchecked: readonly unknown[] | undefined = [...initial];
  const stored: JournalRecord[] = [];
  /** Per session, its records' places in `stored`. */
  const bySession = new Map<string, number[]>();
  const keep = (record: JournalRecord) => {
    const places = bySession.get(record.sessionId);
    if (places) places.push(stored.length);
    else bySession.set(record.sessionId, [stored.length]);
    stored.push(record);
  };
  let open = false;
  const scope = randomScope();

  return {
    scope,
    get isOpen() {
      return open;
    },
    records: () =>
      (unchecked ? structuredClone([...unchecked]) : stored.map(copy)) as JournalRecord[],
    async open() {
      if (open) {
        throw new JournalError(
          'locked',
          'The memory journal is already open; close() it before opening it again.',
        );
      }
      // Initial records are checked on the first open, as a file is read on open.
      const checked: JournalRecord[] = [];
      for (const [index, value] of (unchecked ?? []).entries()) {
        const result = recordFromValue(value);
        if ('problem' in result) {
          throw new JournalError(
            'corrupt',
            `The memory journal's initial record ${index + 1} is invalid: ${result.problem}.`,
            { line: index + 1 },
          );
        }
        checked.push(result.record);
      }
      if (unchecked) for (const record of checked) keep(record);
      unchecked = undefined;
      open = true;
      return stored.map(copy);
    },
    async append(record) {
      if (!open) {
        throw new JournalError('io', 'Cannot append to the memory journal: it is closed.');
      }
      keep(encodeRecord(record, undefined).record);
    },
    async readSession(sessionId) {
      return (bySession.get(sessionId) ?? []).map((place) => copy(stored[place]!));
    },
    async close() {
      open = false;
    },
  };
}
