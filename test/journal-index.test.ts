import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  createFileJournal,
  createMemoryJournal,
  createSessionManager,
  type JournalRecord,
  type SessionSpec,
} from '../src/index.js';
import { readJournal } from '../src/journal/index.js';
import { workerSpecs } from './helpers/workers.js';

const dirs: string[] = [];
const tempJournal = () => {
  const dir = mkdtempSync(join(tmpdir(), 'xotp-index-'));
  dirs.push(dir);
  return join(dir, 'journal.jsonl');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const rec = (type: string, sessionId: string, at: number, extra = {}): JournalRecord =>
  ({ type, sessionId, at, ...extra }) as JournalRecord;

/**
 * Overwrites every line of `sessionId` with spaces and a `#`: the file stays
 * the same length but no longer parses as a whole. A read that parses the
 * whole journal fails on it; a read by offset of another session does not.
 */
function scribbleOver(path: string, sessionId: string) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const marked = lines.map((line) =>
    line.includes(`"sessionId":"${sessionId}"`) ? `#${' '.repeat(line.length - 1)}` : line,
  );
  writeFileSync(path, marked.join('\n'));
}

describe('reading one session by offset', () => {
  test("the file journal's readSession gives that session's records, whatever was read at open or appended since", async () => {
    const path = tempJournal();
    writeFileSync(
      path,
      `${JSON.stringify(rec('created', 'a', 1, { metadata: { title: 'é ✓' } }))}\n${JSON.stringify(rec('created', 'b', 2))}\n`,
    );
    // A last line without its newline is complete: kept, the newline added on open.
    appendFileSync(path, JSON.stringify(rec('started', 'a', 3)));
    const journal = createFileJournal(path);
    await journal.open();
    await Promise.all([
      journal.append(rec('started', 'b', 4)),
      journal.append(rec('note', 'a', 5, { text: 'ünïcode ✓' })),
    ]);
    await journal.append(rec('note', 'c', 6));
    const all = (await readJournal(path)).records;
    for (const id of ['a', 'b', 'c', 'missing']) {
      expect(await journal.readSession(id)).toEqual(all.filter((r) => r.sessionId === id));
    }
    await journal.close();
    // Closed (another process may write it now): read from the file as it is.
    expect(await journal.readSession('b')).toEqual(all.filter((r) => r.sessionId === 'b'));
    // Reopened: the index is built again from the file.
    await journal.open();
    expect((await journal.readSession('a')).map((r) => r.type)).toEqual([
      'created',
      'started',
      'note',
    ]);
    await journal.close();
  });

  test('a torn last line is not indexed; what is appended after it is', async () => {
    const path = tempJournal();
    writeFileSync(path, `${JSON.stringify(rec('created', 'a', 1))}\n{"type":"sta`);
    const journal = createFileJournal(path);
    await journal.open();
    await journal.append(rec('started', 'a', 2));
    expect(await journal.readSession('a')).toEqual([
      rec('created', 'a', 1),
      rec('started', 'a', 2),
    ]);
    await journal.close();
  });

  test('the memory journal reads one session the same way', async () => {
    const journal = createMemoryJournal([rec('created', 'a', 1), rec('created', 'b', 2)]);
    await journal.open();
    await journal.append(rec('started', 'a', 3));
    expect(await journal.readSession('a')).toEqual([
      rec('created', 'a', 1),
      rec('started', 'a', 3),
    ]);
    const [first] = await journal.readSession('a');
    (first as { at: number }).at = 99; // a copy: the journal is not changed through it
    expect((await journal.readSession('a'))[0]!.at).toBe(1);
  });

  test("a retired session's records and terminal record come from its own lines, not a parse of the whole journal", async () => {
    const path = tempJournal();
    const clock = new SimulatedClock();
    const manager = await createSessionManager({ journal: path, clock, retainEnded: 0 });
    const spec = (id: string): SessionSpec => ({
      id,
      autoShutdown: 'any_significant',
      children: workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
    });
    for (const id of ['kept', 'other']) {
      const session = manager.createSession(spec(id));
      await manager.send(id, 'agent', { type: 'FINISH' });
      await session.done;
    }
    expect(manager.getSession('kept')).toBeUndefined(); // retired: only the journal has it
    // Another session's lines become unparseable: a whole-file read would be 'corrupt'.
    scribbleOver(path, 'other');
    await expect(readJournal(path)).rejects.toMatchObject({ code: 'corrupt' });
    const records = await manager.records('kept');
    expect(records.map((r) => r.type)).toEqual(
      expect.arrayContaining(['created', 'started', 'terminal']),
    );
    expect(records.every((r) => r.sessionId === 'kept')).toBe(true);
    expect(await manager.terminateSession('kept')).toMatchObject({
      sessionId: 'kept',
      outcome: 'completed',
    });
    await manager.stop();
  });
});
