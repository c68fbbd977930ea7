import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JournalError } from '../src/ground/errors.js';
import { createFileJournal, type JournalRecord } from '../src/journal/index.js';
import { rejection } from './helpers/journal.js';

type FileHandle = Awaited<ReturnType<typeof open>>;

let dir: string;
let proto: FileHandle;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-file-'));
  const probe = await open(join(dir, 'probe'), 'w');
  proto = Object.getPrototypeOf(probe);
  await probe.close();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const rec = (sessionId: string, at = 1, type = 'started'): JournalRecord => ({
  type,
  sessionId,
  at,
});

const lines = (path: string) => readFileSync(path, 'utf8');

/** Every record a fresh journal on `path` replays, leaving it closed. */
async function readBack(path: string): Promise<JournalRecord[]> {
  const journal = createFileJournal(path);
  try {
    return await journal.open();
  } finally {
    await journal.close();
  }
}

function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('file journal: format and round trip', () => {
  it('round-trips every record type, including open extension records', async () => {
    const path = join(dir, 'j.jsonl');
    const records: JournalRecord[] = [
      {
        type: 'created',
        sessionId: 's1',
        at: 10,
        metadata: { task: 'fix' },
        spec: { children: ['a'] },
      },
      { type: 'started', sessionId: 's1', at: 11 },
      {
        type: 'workspace',
        sessionId: 's1',
        at: 12,
        path: '/w/s1',
        branch: 'xstate-otp/s1',
        keep: 'always',
      },
      { type: 'note', sessionId: 's1', at: 13, text: 'ünïcødé ✓', nested: { list: [1, 2] } },
      {
        type: 'terminal',
        sessionId: 's1',
        at: 14,
        outcome: 'completed',
        createdAt: 10,
        endedAt: 14,
        restarts: 2,
        reason: 'done',
      },
    ];
    const journal = createFileJournal(path);
    expect(journal.path).toBe(path);
    expect(await journal.open()).toEqual([]);
    for (const record of records) await journal.append(record);
    await journal.close();

    expect(lines(path)).toBe(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const again = createFileJournal(path);
    expect(await again.open()).toEqual(records);
    await again.close();
  });

  it('resolves a relative path to an absolute one', async () => {
    const journal = createFileJournal(relative(process.cwd(), join(dir, 'rel', 'j.jsonl')));
    expect(journal.path).toBe(join(dir, 'rel', 'j.jsonl'));
    await journal.open();
    expect(existsSync(join(dir, 'rel', 'j.jsonl.lock'))).toBe(true);
    await journal.close();
  });

  it('creates missing directories on open', async () => {
    const path = join(dir, 'a', 'b', 'c', 'journal.jsonl');
    const journal = createFileJournal(path);
    await journal.open();
    await journal.append(rec('s'));
    await journal.close();
    expect(lines(path)).toBe(`${JSON.stringify(rec('s'))}\n`);
  });

  it('rejects invalid records on append without writing anything', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = createFileJournal(path);
    await journal.open();
    const bad = [
      { type: 'started', at: 1 },
      { type: 'started', sessionId: 's', at: Number.NaN },
      {
        type: 'terminal',
        sessionId: 's',
        at: 1,
        outcome: 'exploded',
        createdAt: 1,
        endedAt: 2,
        restarts: 0,
      },
      { type: 'workspace', sessionId: 's', at: 1 },
    ];
    for (const record of bad) {
      const error = await rejection(journal.append(record as JournalRecord));
      expect(error.code).toBe('corrupt');
    }
    const circular: Record<string, unknown> = { type: 'x', sessionId: 's', at: 1 };
    circular.self = circular;
    expect((await rejection(journal.append(circular as JournalRecord))).code).toBe('corrupt');
    await journal.close();
    expect(lines(path)).toBe('');
  });

  it('append after close rejects with io; close is idempotent; the journal can be reopened', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = createFileJournal(path);
    await expect(journal.close()).resolves.toBeUndefined(); // never opened: nothing to do
    await journal.open();
    await journal.append(rec('a'));
    await Promise.all([journal.close(), journal.close()]);
    await journal.close();
    const error = await rejection(journal.append(rec('b')));
    expect(error.code).toBe('io');
    expect(error.message).toMatch(/closed/);
    expect(await journal.open()).toEqual([rec('a')]);
    await journal.append(rec('b'));
    await journal.close();
    expect(lines(path).split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('flushes appends issued before close', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = createFileJournal(path);
    await journal.open();
    const appends = [journal.append(rec('a')), journal.append(rec('b'))];
    const closed = journal.close();
    await expect(Promise.all(appends)).resolves.toBeDefined();
    await closed;
    expect(lines(path)).toBe(`${JSON.stringify(rec('a'))}\n${JSON.stringify(rec('b'))}\n`);
  });
});

describe('file journal: damaged files', () => {
  const good = [rec('a', 1), rec('b', 2)];
  const goodText = good.map((r) => `${JSON.stringify(r)}\n`).join('');

  it('moves a torn last line aside, truncates the file, and appends on a clean line', async () => {
    const path = join(dir, 'j.jsonl');
    const torn = '{"type":"started","sessi';
    await writeFile(path, `${goodText}${torn}`);
    const journal = createFileJournal(path);
    expect(await journal.open()).toEqual(good);
    expect(journal.stats.repairedBytes).toBe(torn.length);
    expect(journal.stats.tornPath).toMatch(
      /j\.jsonl\.torn-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z$/,
    );
    expect(readFileSync(journal.stats.tornPath!, 'utf8')).toBe(torn);
    expect(lines(path)).toBe(goodText);
    await journal.append(rec('c', 3));
    await journal.close();
    expect(lines(path)).toBe(`${goodText}${JSON.stringify(rec('c', 3))}\n`);
  });

  it('moves a last line of NUL bytes left by a crash aside', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, Buffer.concat([Buffer.from(goodText), Buffer.alloc(64)]));
    const journal = createFileJournal(path);
    expect(await journal.open()).toEqual(good);
    await journal.close();
    expect(lines(path)).toBe(goodText);
    expect(readFileSync(journal.stats.tornPath!)).toEqual(Buffer.alloc(64));
  });

  it('refuses a complete last line of NUL bytes (it has its newline: not torn) and leaves the file as it is', async () => {
    const path = join(dir, 'j.jsonl');
    const original = Buffer.concat([Buffer.from(goodText), Buffer.alloc(64), Buffer.from('\n')]);
    await writeFile(path, original);
    const error = await rejection(createFileJournal(path).open());
    expect(error.code).toBe('corrupt');
    expect(error.line).toBe(3);
    expect(readFileSync(path)).toEqual(original);
  });

  it('moves a torn multi-byte character at the end aside', async () => {
    const path = join(dir, 'j.jsonl');
    const full = Buffer.from(`${JSON.stringify({ ...rec('c'), text: '✓' })}\n`);
    await writeFile(
      path,
      Buffer.concat([Buffer.from(goodText), full.subarray(0, full.indexOf(0xe2) + 1)]),
    );
    const journal = createFileJournal(path);
    expect(await journal.open()).toEqual(good);
    await journal.close();
    expect(lines(path)).toBe(goodText);
    expect(journal.stats.tornPath).toBeDefined();
  });

  it('keeps a complete last line without newline and adds the newline', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, goodText.slice(0, -1));
    const journal = createFileJournal(path);
    expect(await journal.open()).toEqual(good);
    expect(journal.stats.addedNewline).toBe(true);
    expect(lines(path)).toBe(goodText);
    await journal.append(rec('c', 3));
    await journal.close();
    expect(await readBack(path)).toEqual([...good, rec('c', 3)]);
  });

  it('accepts blank lines and trailing whitespace', async () => {
    const path = join(dir, 'j.jsonl');
    await writeFile(path, `\n${goodText}\n  \n`);
    const journal = createFileJournal(path);
    expect(await journal.open()).toEqual(good);
    await journal.append(rec('c', 3));
    await journal.close();
    expect(await readBack(path)).toEqual([...good, rec('c', 3)]);
  });

  it('reports an unparseable middle line as corrupt with its 1-based line number', async () => {
    const path = join(dir, 'j.jsonl');
    const original = `${JSON.stringify(rec('a'))}\n{"type":oops}\n${JSON.stringify(rec('b'))}\n`;
    await writeFile(path, original);
    const journal = createFileJournal(path);
    const error = await rejection(journal.open());
    expect(error.code).toBe('corrupt');
    expect(error.line).toBe(2);
    expect(error.path).toBe(path);
    expect(error.message).toContain('line 2');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/move the file aside/i);
    expect(lines(path)).toBe(original); // never "repaired"
    expect(existsSync(`${path}.lock`)).toBe(false); // a failed open keeps no lock
  });

  it.each([
    ['an array', '[1,2]'],
    ['a string', '"started"'],
    ['null', 'null'],
    ['missing sessionId', '{"type":"started","at":1}'],
    ['string at', '{"type":"started","sessionId":"s","at":"now"}'],
    [
      'bad outcome',
      '{"type":"terminal","sessionId":"s","at":1,"outcome":"meh","createdAt":1,"endedAt":2,"restarts":0}',
    ],
  ])('reports JSON that is not a record (%s) as corrupt, even on the last line', async (_, bad) => {
    for (const text of [
      `${JSON.stringify(rec('a'))}\n${bad}\n${JSON.stringify(rec('b'))}\n`,
      `${JSON.stringify(rec('a'))}\n${bad}`,
    ]) {
      const path = join(dir, 'j.jsonl');
      await writeFile(path, text);
      const error = await rejection(createFileJournal(path).open());
      expect(error.code).toBe('corrupt');
      expect(error.line).toBe(2);
    }
  });

  it('reports io errors on open and keeps no lock', async () => {
    const asDirectory = join(dir, 'is-a-dir');
    await mkdir(asDirectory);
    const error = await rejection(createFileJournal(asDirectory).open());
    expect(error.code).toBe('io');
    expect(existsSync(`${asDirectory}.lock`)).toBe(false);

    await writeFile(join(dir, 'file'), '');
    const underFile = await rejection(createFileJournal(join(dir, 'file', 'j.jsonl')).open());
    expect(underFile.code).toBe('io');
    expect(underFile.cause).toBeDefined();
  });
});

describe('file journal: group commit', () => {
  it('keeps call order under 1,000 concurrent appends; each resolves only once its bytes are fsynced', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = createFileJournal(path);
    await journal.open();

    // The file size at the start of the latest completed datasync: bytes known durable.
    let durable = 0;
    const datasync = proto.datasync;
    vi.spyOn(proto, 'datasync').mockImplementation(async function (this: FileHandle) {
      const { size } = await this.stat();
      await datasync.call(this);
      durable = Math.max(durable, size);
    });

    const records = Array.from({ length: 1000 }, (_, i) => rec(`s${i}`, i));
    const ends: number[] = [];
    let offset = 0;
    for (const r of records) {
      offset += JSON.stringify(r).length + 1;
      ends.push(offset);
    }
    const violations: string[] = [];
    const appends: Promise<void>[] = [];
    for (const [i, r] of records.entries()) {
      appends.push(
        journal.append(r).then(() => {
          const end = ends[i]!;
          if (durable < end) violations.push(`record ${i} resolved before its fsync`);
          if (statSync(path).size < end) violations.push(`record ${i} resolved before its write`);
        }),
      );
      // Let batches start mid-stream so that appends really overlap in-flight commits.
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(appends);
    expect(violations).toEqual([]);
    expect(journal.stats.appends).toBe(1000);
    expect(journal.stats.syncs).toBe(journal.stats.batches);
    expect(journal.stats.batches).toBeLessThan(1000);
    await journal.close();
    expect(await readBack(path)).toEqual(records);
  });

  it('a synchronous burst is one write and one fsync', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = createFileJournal(path);
    await journal.open();
    const writes = vi.spyOn(proto, 'write');
    const syncs = vi.spyOn(proto, 'datasync');
    await Promise.all(Array.from({ length: 1000 }, (_, i) => journal.append(rec(`s${i}`, i))));
    expect(writes).toHaveBeenCalledTimes(1);
    expect(syncs).toHaveBeenCalledTimes(1);
    expect(journal.stats).toMatchObject({
      batches: 1,
      syncs: 1,
      appends: 1000,
      largestBatch: 1000,
    });
    await journal.close();
  });

  it('appends made while a commit is in flight go out together in the next batch', async () => {
    const path = join(dir, 'j.jsonl');
    const journal = createFileJournal(path);
    await journal.open();
    const datasync = proto.datasync;
    let entered!: () => void;
    const firstSyncEntered = new Promise<void>((r) => {
      entered = r;
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const syncs = vi.spyOn(proto, 'datasync').mockImplementation(async function (this: FileHandle) {
      if (syncs.mock.calls.length === 1) {
        entered();
        await gate;
      }
      return datasync.call(this);
    });

    let firstDone = false;
    const first = journal.append(rec('first')).then(() => {
      firstDone = true;
    });
    await firstSyncEntered;
    const rest = Array.from({ length: 10 }, (_, i) => journal.append(rec(`r${i}`, i)));
    expect(firstDone).toBe(false); // its fsync has not completed
    release();
    await Promise.all([first, ...rest]);
    expect(syncs).toHaveBeenCalledTimes(2);
    expect(journal.stats).toMatchObject({ batches: 2, syncs: 2, largestBatch: 10 });
    await journal.close();
    expect((await readBack(path)).map((r) => r.sessionId)).toEqual([
      'first',
      ...Array.from({ length: 10 }, (_, i) => `r${i}`),
    ]);
  });
});

describe('file journal: failed writes', () => {
  async function openWith(records: JournalRecord[]) {
    const path = join(dir, 'j.jsonl');
    const journal = createFileJournal(path);
    await journal.open();
    for (const r of records) await journal.append(r);
    return { path, journal, before: await readFile(path, 'utf8') };
  }

  it('rejects every append of a failed batch with io, then fails the journal until reopened', async () => {
    const { path, journal, before } = await openWith([rec('a')]);
    vi.spyOn(proto, 'write').mockRejectedValueOnce(errnoError('ENOSPC'));
    const results = await Promise.allSettled([1, 2, 3].map((i) => journal.append(rec(`x${i}`))));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as JournalError;
      expect(error).toBeInstanceOf(JournalError);
      expect(error.code).toBe('io');
      expect(error.path).toBe(path);
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    expect(journal.failure).toBe((results[0] as PromiseRejectedResult).reason);
    expect(await readFile(path, 'utf8')).toBe(before);
    // The write would succeed now, but a caller told a record was lost must not be told later ones were kept.
    const writes = vi.spyOn(proto, 'write');
    writes.mockClear();
    expect(await rejection(journal.append(rec('b')))).toBe(journal.failure);
    expect(writes).not.toHaveBeenCalled();
    await journal.close();
    expect(await readBack(path)).toEqual([rec('a')]);
    expect(await journal.open()).toEqual([rec('a')]);
    expect(journal.failure).toBeUndefined();
    await journal.append(rec('b'));
    await journal.close();
    expect(await readBack(path)).toEqual([rec('a'), rec('b')]);
  });

  it('cuts a partially written batch back so no fragment glues onto the next record', async () => {
    const { path, journal, before } = await openWith([rec('a')]);
    const write = proto.write;
    vi.spyOn(proto, 'write').mockImplementationOnce(async function (
      this: FileHandle,
      data: Buffer,
      offset: number,
      length: number,
    ) {
      await (write as any).call(this, data, offset, Math.floor(length / 2));
      throw errnoError('ENOSPC');
    } as any);
    const error = await rejection(journal.append(rec('torn-by-enospc')));
    expect(error.code).toBe('io');
    expect(await readFile(path, 'utf8')).toBe(before);
    await journal.close();
    expect(await readBack(path)).toEqual([rec('a')]);
  });

  it('a failed fsync rejects the batch and removes its records', async () => {
    const { path, journal, before } = await openWith([rec('a')]);
    vi.spyOn(proto, 'datasync').mockRejectedValueOnce(errnoError('EIO'));
    const error = await rejection(journal.append(rec('lost')));
    expect(error.code).toBe('io');
    expect(await readFile(path, 'utf8')).toBe(before);
    expect((await rejection(journal.append(rec('b')))).code).toBe('io');
    await journal.close();
    expect(await readBack(path)).toEqual([rec('a')]);
  });

  it('when the file cannot be cut back either, the next open sets the fragment aside', async () => {
    const { path, journal } = await openWith([rec('a')]);
    const write = proto.write;
    vi.spyOn(proto, 'write').mockImplementationOnce(async function (
      this: FileHandle,
      data: Buffer,
      offset: number,
      _length: number,
    ) {
      await (write as any).call(this, data, offset, 5);
      throw errnoError('EIO');
    } as any);
    vi.spyOn(proto, 'truncate').mockRejectedValueOnce(errnoError('EIO'));
    expect((await rejection(journal.append(rec('x')))).code).toBe('io');
    const refused = await rejection(journal.append(rec('y')));
    expect(refused.code).toBe('io');
    expect(refused.message).toMatch(/accepts no more appends/);
    await journal.close();
    expect(existsSync(`${path}.lock`)).toBe(false);

    const reopened = createFileJournal(path);
    expect(await reopened.open()).toEqual([rec('a')]); // the 5-byte fragment is a torn tail
    expect(reopened.stats.repairedBytes).toBe(5);
    expect(readFileSync(reopened.stats.tornPath!, 'utf8')).toBe(
      `${JSON.stringify(rec('x'))}\n`.slice(0, 5),
    );
    await reopened.append(rec('b'));
    await reopened.close();
  });
});
