import { describe, expect, it } from 'vitest';
import { createMemoryJournal, type JournalRecord } from '../src/journal/index.js';
import { rejection } from './helpers/journal.js';

const rec = (sessionId: string, at = 1): JournalRecord => ({ type: 'started', sessionId, at });

describe('memory journal', () => {
  it('round-trips records as their JSON form, in call order', async () => {
    const journal = createMemoryJournal();
    expect(journal.path).toBeUndefined();
    expect(await journal.open()).toEqual([]);
    const note = { type: 'note', sessionId: 's', at: 2, gone: undefined, when: new Date(5) };
    await Promise.all([journal.append(rec('a')), journal.append(note), journal.append(rec('b'))]);
    expect(journal.records()).toEqual([
      rec('a'),
      { type: 'note', sessionId: 's', at: 2, when: new Date(5).toISOString() },
      rec('b'),
    ]);
    expect('gone' in journal.records()[1]!).toBe(false);
  });

  it('hands out copies: mutating what it returned or what was appended changes nothing', async () => {
    const journal = createMemoryJournal();
    await journal.open();
    const record = { type: 'created', sessionId: 'a', at: 1, metadata: { n: 1 } };
    await journal.append(record);
    record.metadata.n = 2;
    (journal.records()[0] as unknown as { metadata: { n: number } }).metadata.n = 3;
    expect(journal.records()).toEqual([
      { type: 'created', sessionId: 'a', at: 1, metadata: { n: 1 } },
    ]);
  });

  it('refuses a second open while open, and replays everything after close', async () => {
    const journal = createMemoryJournal([rec('seed')]);
    expect(journal.records()).toEqual([rec('seed')]);
    expect(await journal.open()).toEqual([rec('seed')]);
    expect(journal.isOpen).toBe(true);
    expect((await rejection(journal.open())).code).toBe('locked');
    await journal.append(rec('a'));
    await journal.close();
    await journal.close(); // idempotent
    expect(journal.isOpen).toBe(false);
    expect(await journal.open()).toEqual([rec('seed'), rec('a')]);
  });

  it('rejects append when not open, with io', async () => {
    const journal = createMemoryJournal();
    expect((await rejection(journal.append(rec('a')))).code).toBe('io');
    await journal.open();
    await journal.close();
    const error = await rejection(journal.append(rec('a')));
    expect(error.code).toBe('io');
    expect(error.message).toMatch(/closed/);
  });

  it('rejects invalid records like the file journal does', async () => {
    const journal = createMemoryJournal();
    await journal.open();
    const error = await rejection(journal.append({ type: 'started', at: 1 } as never));
    expect(error.code).toBe('corrupt');
    expect(journal.records()).toEqual([]);
  });

  it('validates initial records on open, naming the bad one', async () => {
    const journal = createMemoryJournal([rec('a'), { type: 'started', sessionId: 'b' } as never]);
    const error = await rejection(journal.open());
    expect(error.code).toBe('corrupt');
    expect(error.line).toBe(2);
    expect((await rejection(journal.open())).line).toBe(2); // still refused, nothing half-loaded
  });
});
