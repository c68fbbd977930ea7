/**
 * The file journal never destroys what it did not write: files that are not
 * journals, hand-written lines and non-files are refused untouched; only a
 * torn last line is set aside, to a file next to the journal. And the
 * read-only reader sees the same verdicts without writing anything.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileJournal, type JournalRecord, readJournal } from '../src/journal/index.js';
import { rejection } from './helpers/journal.js';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-damage-'));
  path = join(dir, 'j.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rec = (sessionId: string, at = 1): JournalRecord => ({ type: 'started', sessionId, at });
const text = (...records: JournalRecord[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');
/** Every file in the test directory, with its bytes. */
const snapshot = () =>
  Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));

describe('a file that is not a journal, or not all journal', () => {
  it.each([
    ['a one-line text file', 'hello world, this is not a journal at all\n'],
    ['the same without its newline', 'hello world, this is not a journal at all'],
    ['a torn first line (nothing before it to trust)', '{"type":"started","sess'],
    ['a JSON config file', '{\n  "name": "app"\n}\n'],
  ])('%s is refused as corrupt at line 1, byte for byte untouched', async (_, content) => {
    await writeFile(path, content);
    const before = snapshot();
    const journal = createFileJournal(path);
    const error = await rejection(journal.open());
    expect(error.code).toBe('corrupt');
    expect(error.line).toBe(1);
    expect(error.message).toContain(`${path} is corrupt at line 1`);
    expect(snapshot()).toEqual(before); // no torn file, no lock left, same bytes
    expect(statSync(path).size).toBe(Buffer.byteLength(content));
  });

  it('a hand-written note as a complete last line is corrupt, with its line number', async () => {
    const content = `${text(rec('a'), rec('b'))}note to self: check session b\n`;
    await writeFile(path, content);
    const error = await rejection(createFileJournal(path).open());
    expect(error.code).toBe('corrupt');
    expect(error.line).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(readdirSync(dir)).toEqual(['j.jsonl']);
  });

  it('a complete bad line in the middle is corrupt, file untouched', async () => {
    const content = `${text(rec('a'))}not json\n${text(rec('b'))}`;
    await writeFile(path, content);
    const error = await rejection(createFileJournal(path).open());
    expect(error.line).toBe(2);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('an unterminated whitespace tail only gets its newline: nothing is set aside', async () => {
    await writeFile(path, `${text(rec('a'))}   `);
    const journal = createFileJournal(path);
    expect(await journal.open()).toEqual([rec('a')]);
    expect(journal.stats.tornPath).toBeUndefined();
    expect(journal.stats.addedNewline).toBe(true);
    await journal.append(rec('b'));
    await journal.close();
    expect(readFileSync(path, 'utf8')).toBe(`${text(rec('a'))}   \n${text(rec('b'))}`);
  });

  it('a torn tail is set aside under a fresh name each time, never overwriting an earlier one', async () => {
    const torn: string[] = [];
    for (const fragment of ['{"type":"sta', '{"type":"started","se']) {
      await writeFile(path, `${text(rec('a'))}${fragment}`);
      const journal = createFileJournal(path);
      await journal.open();
      torn.push(journal.stats.tornPath!);
      await journal.close();
    }
    expect(new Set(torn).size).toBe(2);
    expect(torn.map((file) => readFileSync(file, 'utf8'))).toEqual([
      '{"type":"sta',
      '{"type":"started","se',
    ]);
  });

  it('/dev/null is refused before anything is written: no lock next to it', async () => {
    if (!existsSync('/dev/null') || existsSync('/dev/null.lock')) return;
    const journal = createFileJournal('/dev/null');
    try {
      const error = await rejection(journal.open());
      expect(error.code).toBe('io');
      expect(error.message).toMatch(/not a regular file/);
      expect(existsSync('/dev/null.lock')).toBe(false);
    } finally {
      await journal.close();
      // A regression would leave a lock in /dev: not ours to keep.
      rmSync('/dev/null.lock', { force: true });
    }
  });

  it('a directory is refused with io, cause EISDIR', async () => {
    const error = await rejection(createFileJournal(dir).open());
    expect(error.code).toBe('io');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });
});

describe('readJournal: read-only', () => {
  it('returns records, a torn tail and no holder, and writes nothing', async () => {
    await writeFile(path, `${text(rec('a'), rec('b'))}{"type":"sta`);
    const before = snapshot();
    const reading = await readJournal(path);
    expect(reading).toEqual({
      path,
      realPath: path,
      records: [rec('a'), rec('b')],
      torn: { bytes: '{"type":"sta'.length },
    });
    expect(snapshot()).toEqual(before);
  });

  it('names the live holder of the lock, and a dead one as not live', async () => {
    await writeFile(path, text(rec('a')));
    const journal = createFileJournal(path);
    await journal.open();
    expect((await readJournal(path)).holder).toEqual({ pid: process.pid, live: true });
    await journal.close();
    expect((await readJournal(path)).holder).toBeUndefined();
    await writeFile(`${path}.lock`, '2147483646\n'); // a pid that does not exist
    expect((await readJournal(path)).holder).toEqual({ pid: 2147483646, live: false });
    // Our own pid in a lock no journal here took: a leftover of an earlier process.
    await writeFile(`${path}.lock`, `${process.pid}\n`);
    expect((await readJournal(path)).holder).toEqual({ pid: process.pid, live: false });
  });

  it('refuses what open() refuses: not a journal, missing, a directory', async () => {
    await writeFile(path, 'hello world\n');
    const corrupt = await rejection(readJournal(path));
    expect(corrupt).toMatchObject({ code: 'corrupt', line: 1 });

    const missing = await rejection(readJournal(join(dir, 'nope.jsonl')));
    expect(missing.code).toBe('io');
    expect((missing.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(missing.message).toBe(`No journal at ${join(dir, 'nope.jsonl')}.`);

    const directory = await rejection(readJournal(dir));
    expect((directory.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
  });
});
