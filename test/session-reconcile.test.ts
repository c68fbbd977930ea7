import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createSessionManager, type JournalRecord } from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Runs the host until it has finished some sessions, then kills it with SIGKILL. */
async function crashHost(journalPath: string): Promise<number> {
  const host = spawn(
    process.execPath,
    [
      '--import',
      join(fixtures, 'register-ts.mjs'),
      join(fixtures, 'session-host.mjs'),
      journalPath,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    host.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    host.on('exit', (code) => reject(new Error(`host exited early with ${code}`)));
  });
  const exited = new Promise((resolve) => host.on('exit', (_, signal) => resolve(signal)));
  host.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return host.pid!;
}

const readRecords = async (path: string): Promise<JournalRecord[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('reconciliation after a real crash', () => {
  test('a new manager shows finished sessions as they were and the others interrupted, exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-reconcile-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'journal.jsonl');
    await crashHost(path);

    const second = await createSessionManager({ journal: path });
    const rows = second.listSessions();
    expect(Object.fromEntries(rows.map((s) => [s.id, [s.state, s.metadata]]))).toEqual({
      'done-1': ['completed', { label: 'done-1' }],
      'live-1': ['interrupted', { label: 'live-1' }],
      'failed-1': ['failed', { label: 'failed-1' }],
      'done-2': ['completed', { label: 'done-2' }],
      'live-2': ['interrupted', { label: 'live-2' }],
    });
    // Created order: createdAt, then id.
    const order = [...rows].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    expect(rows.map((s) => s.id)).toEqual(order.map((s) => s.id));
    expect(second.getSession('failed-1')!.reason).toMatch(/maximum restart intensity/);
    expect((await second.terminateSession('live-1')).outcome).toBe('interrupted');
    await second.stop();

    const afterSecond = await readFile(path, 'utf8');
    const terminal = (await readRecords(path)).filter((r) => r.type === 'terminal');
    expect(terminal.map((r) => r.sessionId).sort()).toEqual([
      'done-1',
      'done-2',
      'failed-1',
      'live-1',
      'live-2',
    ]);

    const third = await createSessionManager({ journal: path });
    expect(third.listSessions().map((s) => s.state)).toEqual(
      second.listSessions().map((s) => s.state),
    );
    await third.stop();
    expect(await readFile(path, 'utf8')).toBe(afterSecond);
  });

  test('a journal held by a live manager cannot be opened by a second one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-locked-'));
    dirs.push(dir);
    const path = join(dir, 'journal.jsonl');
    const first = await createSessionManager({ journal: path });
    await expect(createSessionManager({ journal: path })).rejects.toMatchObject({ code: 'locked' });
    await first.stop();
    const again = await createSessionManager({ journal: path });
    await again.stop();
  });
});

describe('journal faults seen from the manager', () => {
  const lines = (...records: object[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');
  const created = { type: 'created', sessionId: 'a', at: 1 };
  const terminal = {
    type: 'terminal',
    sessionId: 'a',
    at: 2,
    outcome: 'completed',
    createdAt: 1,
    endedAt: 2,
    restarts: 0,
  };

  test('a torn last line is tolerated and the session it belonged to is reconciled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-torn-'));
    dirs.push(dir);
    const path = join(dir, 'journal.jsonl');
    await writeFile(
      path,
      `${lines(created, { type: 'created', sessionId: 'b', at: 3 })}{"type":"termi`,
    );
    const manager = await createSessionManager({ journal: path });
    expect(manager.listSessions().map((s) => [s.id, s.state])).toEqual([
      ['a', 'interrupted'],
      ['b', 'interrupted'],
    ]);
    await manager.stop();
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('termi"');
  });

  test('a corrupt middle line is a JournalError naming the line, and the journal is left unlocked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-corrupt-'));
    dirs.push(dir);
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, `${lines(created)}not json\n${lines(terminal)}`);
    await expect(createSessionManager({ journal: path })).rejects.toMatchObject({
      name: 'JournalError',
      code: 'corrupt',
      line: 2,
    });
    // Fixing the file is enough to open it again.
    await writeFile(path, lines(created, terminal));
    const manager = await createSessionManager({ journal: path });
    expect(manager.getSession('a')!.state).toBe('completed');
    await manager.stop();
  });
});
