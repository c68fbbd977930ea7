import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JournalError } from '../src/ground/errors.js';
import { createFileJournal, type FileJournal } from '../src/journal/index.js';
import { isProcessAlive, parseLockPid } from '../src/journal/lockFile.js';
import { buildJournal } from './fixtures/journal-build.js';
import { rejection } from './helpers/journal.js';

const holderScript = resolve(import.meta.dirname, 'fixtures/journal-holder.mjs');

let buildDir: string;
let compiledEntry: string;
let dir: string;
let path: string;
const children = new Set<ChildProcessWithoutNullStreams>();
const journals: FileJournal[] = [];

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'journal-build-'));
  compiledEntry = await buildJournal(buildDir);
});

afterAll(async () => {
  await rm(buildDir, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-lock-'));
  path = join(dir, 'journal.jsonl');
});

afterEach(async () => {
  for (const journal of journals.splice(0)) await journal.close();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
  children.clear();
  await rm(dir, { recursive: true, force: true });
});

function journal(): FileJournal {
  const created = createFileJournal(path);
  journals.push(created);
  return created;
}

function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Starts a holder child on `path`; resolves with its first line ('ready <pid>' or 'error <code>'). */
async function startHolder(): Promise<{ child: ChildProcessWithoutNullStreams; status: string }> {
  const child = spawn(process.execPath, [holderScript, compiledEntry, path]);
  children.add(child);
  child.stdin.on('error', () => {}); // EPIPE if it already exited
  const stderr: string[] = [];
  child.stderr.on('data', (chunk) => stderr.push(String(chunk)));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string | undefined>((r) => {
    lines.once('line', r);
    lines.once('close', () => r(undefined));
  });
  if (first === undefined) throw new Error(`holder exited without a word: ${stderr.join('')}`);
  return { child, status: first };
}

/** A pid that certainly belonged to a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid!;
  await new Promise((r) => child.once('exit', r));
  return pid;
}

describe('lock helpers', () => {
  it('parses pids and rejects garbage', () => {
    expect(parseLockPid('123\n')).toBe(123);
    expect(parseLockPid('')).toBeUndefined();
    expect(parseLockPid('0')).toBeUndefined();
    expect(parseLockPid('-5')).toBeUndefined();
    expect(parseLockPid('12abc')).toBeUndefined();
    expect(parseLockPid('99999999999')).toBeUndefined();
  });

  it('sees this process as alive and a reaped one as dead', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(await deadPid())).toBe(false);
  });
});

describe('file journal lock: in-process', () => {
  it('writes our pid to <path>.lock and removes it on close', async () => {
    const first = journal();
    await first.open();
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
    await first.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    expect(await readdir(dir)).toEqual(['journal.jsonl']); // no temp files left behind
  });

  it('refuses a second journal on the same path, then lets it in after close', async () => {
    const first = journal();
    await first.open();
    await first.append({ type: 'started', sessionId: 'a', at: 1 });
    const second = journal();
    const error = await rejection(second.open());
    expect(error.code).toBe('locked');
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain(String(process.pid));
    // The refused open must not have disturbed the holder.
    await first.append({ type: 'started', sessionId: 'b', at: 2 });
    await first.close();
    expect(await second.open()).toHaveLength(2);
  });

  it('refuses opening the same journal object twice', async () => {
    const only = journal();
    const [a, b] = await Promise.allSettled([only.open(), only.open()]);
    expect(a.status).toBe('fulfilled');
    expect(((b as PromiseRejectedResult).reason as JournalError).code).toBe('locked');
    expect((await rejection(only.open())).code).toBe('locked');
  });

  it('lets exactly one of many racing journals take over a stale lock', async () => {
    await writeFile(`${path}.lock`, `${await deadPid()}\n`);
    const racers = Array.from({ length: 8 }, () => journal());
    const results = await Promise.allSettled(racers.map((r) => r.open()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect(((r as PromiseRejectedResult).reason as JournalError).code).toBe('locked');
    }
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
    for (const racer of racers) await racer.close();
    expect(await readdir(dir)).toEqual(['journal.jsonl']);
  });
});

describe('file journal lock: stale locks', () => {
  it('takes over a lock whose pid is dead', async () => {
    const pid = await deadPid();
    await writeFile(`${path}.lock`, `${pid}\n`);
    const taker = journal();
    await taker.open();
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
    await taker.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('takes over a lock bearing our own pid that no journal here created (a recycled pid)', async () => {
    await writeFile(`${path}.lock`, `${process.pid}\n`);
    const taker = journal();
    await taker.open();
    expect((await rejection(journal().open())).code).toBe('locked'); // now it is really ours
    await taker.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('takes over past a takeover guard left by a dead process', async () => {
    await writeFile(`${path}.lock`, `${await deadPid()}\n`);
    await writeFile(`${path}.lock.break`, `${await deadPid()}\n`);
    const taker = journal();
    await taker.open();
    expect(await readdir(dir)).toEqual(['journal.jsonl', 'journal.jsonl.lock']);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not a pid'],
  ])('takes over an %s lock file', async (_, content) => {
    await writeFile(`${path}.lock`, content);
    const taker = journal();
    await taker.open();
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
  });
});

describe('file journal lock: other processes', () => {
  it('is locked while a live child holds it; the child exiting normally releases it', async () => {
    const { child, status } = await startHolder();
    expect(status).toBe(`ready ${child.pid}`);

    const error = await rejection(journal().open());
    expect(error.code).toBe('locked');
    expect(error.message).toContain(String(child.pid));
    expect(error.message).toContain(`${path}.lock`);

    // 'exit' without close(): the process exit hook must remove the lock.
    child.stdin.write('exit\n');
    await exited(child);
    expect(child.exitCode).toBe(0);
    expect(existsSync(`${path}.lock`)).toBe(false);
    const records = await journal().open();
    expect(records.map((r) => r.sessionId)).toEqual([`holder-${child.pid}`]);
  });

  it('takes over the lock of a child killed with SIGKILL', async () => {
    const { child, status } = await startHolder();
    expect(status).toBe(`ready ${child.pid}`);
    child.kill('SIGKILL');
    await exited(child);
    expect(isProcessAlive(child.pid!)).toBe(false);
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(child.pid)); // left behind

    const taker = journal();
    expect(await taker.open()).toHaveLength(1);
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
  });

  it('a child is refused while this process holds the journal', async () => {
    const holder = journal();
    await holder.open();
    const { child, status } = await startHolder();
    expect(status).toBe('error locked');
    await exited(child);
    expect(child.exitCode).toBe(1);
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
  });

  it('lets exactly one of several racing child processes take over a stale lock', async () => {
    await writeFile(`${path}.lock`, `${await deadPid()}\n`);
    const holders = await Promise.all([startHolder(), startHolder(), startHolder()]);
    const ready = holders.filter((h) => h.status.startsWith('ready'));
    expect(ready).toHaveLength(1);
    expect(holders.filter((h) => h.status === 'error locked')).toHaveLength(2);
    const winner = ready[0]!.child;
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(winner.pid));
    winner.stdin.write('close\n');
    await exited(winner);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
