import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { fromPromise } from 'xstate';
import { capReason, MAX_METADATA_BYTES, MAX_REASON_LENGTH } from '../src/ground/limits.js';
import { createSessionManager } from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempJournal = () => {
  const dir = mkdtempSync(join(tmpdir(), 'xotp-limits-'));
  dirs.push(dir);
  return join(dir, 'journal.jsonl');
};
const MARKED = /… \[\d+ more characters cut\]$/;

describe('capReason', () => {
  test('keeps a short reason, cuts a long one with a marker naming what was cut, and never cuts twice', () => {
    expect(capReason('disk full')).toBe('disk full');
    const exact = 'x'.repeat(MAX_REASON_LENGTH);
    expect(capReason(exact)).toBe(exact);
    const long = 'y'.repeat(MAX_REASON_LENGTH + 1000);
    const cut = capReason(long);
    expect(cut).toBe(`${'y'.repeat(MAX_REASON_LENGTH)}… [1000 more characters cut]`);
    expect(capReason(cut)).toBe(cut);
  });

  test('never splits a character made of two UTF-16 units', () => {
    const text = `${'a'.repeat(MAX_REASON_LENGTH - 1)}😀😀😀`;
    const cut = capReason(text);
    expect(cut.startsWith(`${'a'.repeat(MAX_REASON_LENGTH - 1)}…`)).toBe(true);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('size limits on what a session carries', () => {
  test(`metadata over ${MAX_METADATA_BYTES} bytes of JSON is refused at createSession (invalid_spec); at the limit it is accepted`, async () => {
    const manager = await createSessionManager();
    const children = workerSpecs(['agent'], []);
    // {"title":"…"} is 12 bytes around the title.
    const atLimit = { title: 'x'.repeat(MAX_METADATA_BYTES - 12) };
    expect(Buffer.byteLength(JSON.stringify(atLimit))).toBe(MAX_METADATA_BYTES);
    expect(manager.createSession({ id: 'fits', children, metadata: atLimit }).id).toBe('fits');
    let thrown: unknown;
    try {
      manager.createSession({
        id: 'big',
        children,
        metadata: { title: 'é'.repeat(MAX_METADATA_BYTES / 2) },
      });
    } catch (error) {
      thrown = error;
    }
    // The same error as every other refused spec (the class is the spec check's, as for plain-JSON metadata).
    expect(thrown).toMatchObject({ code: 'invalid_spec' });
    expect((thrown as Error).message).toMatch(
      /metadata is 65548 bytes of JSON; the limit is 65536/,
    );
    expect(manager.getSession('big')).toBeUndefined();
    await manager.stop();
  });

  test('a huge failure message becomes a capped reason in done, the view and the journal', async () => {
    const journal = tempJournal();
    const manager = await createSessionManager({ journal });
    const huge = 'E'.repeat(1_000_000);
    const session = manager.createSession({
      id: 'crashy',
      intensity: 0,
      children: [
        {
          id: 'agent',
          restart: 'permanent',
          logic: fromPromise(async () => Promise.reject(new Error(huge))),
        },
      ],
    });
    const record = await session.done;
    expect(record.outcome).toBe('failed');
    expect(record.reason).toMatch(MARKED);
    expect(record.reason!.length).toBeLessThan(MAX_REASON_LENGTH + 100);
    expect(manager.getSession('crashy')?.reason).toBe(record.reason);
    const terminal = readFileSync(journal, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((r) => r.type === 'terminal');
    expect(terminal.reason).toBe(record.reason);
    await manager.stop();
  });

  test('a huge terminateSession reason is capped the same way', async () => {
    const manager = await createSessionManager();
    manager.createSession({ id: 'talky', children: workerSpecs(['agent'], []) });
    const record = await manager.terminateSession('talky', 'why '.repeat(100_000));
    expect(record).toMatchObject({ outcome: 'cancelled' });
    expect(record.reason).toMatch(MARKED);
    expect(record.reason!.startsWith('why why')).toBe(true);
    expect(record.reason!.length).toBeLessThan(MAX_REASON_LENGTH + 100);
    await manager.stop();
  });
});
