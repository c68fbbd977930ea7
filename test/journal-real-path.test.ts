/**
 * One writer per real path: a symlinked journal, a symlinked directory, a
 * dangling symlink and `./` spellings all find the same lock, in this
 * process and in another; and one journal has one scope whatever its spelling.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createFileJournal,
  createMemoryJournal,
  type FileJournal,
  journalScope,
  realJournalPath,
} from '../src/journal/index.js';
import { buildJournal } from './fixtures/journal-build.js';
import { rejection } from './helpers/journal.js';

const holderScript = resolve(import.meta.dirname, 'fixtures/journal-holder.mjs');

let buildDir: string;
let compiledEntry: string;
let dir: string;
/** The journal's real path. */
let real: string;
const journals: FileJournal[] = [];
const children = new Set<ChildProcessWithoutNullStreams>();

beforeAll(async () => {
  buildDir = await mkdtemp(join(tmpdir(), 'journal-build-'));
  compiledEntry = await buildJournal(buildDir);
});
afterAll(async () => {
  await rm(buildDir, { recursive: true, force: true });
});

beforeEach(async () => {
  // realpath: the temp directory itself may sit behind a symlink (macOS /tmp).
  dir = realpathSync(await mkdtemp(join(tmpdir(), 'journal-real-')));
  await mkdir(join(dir, 'data'));
  real = join(dir, 'data', 'journal.jsonl');
  await symlink(join(dir, 'data'), join(dir, 'data-link'));
  await writeFile(real, '');
  await symlink(real, join(dir, 'file-link.jsonl'));
});

afterEach(async () => {
  for (const journal of journals.splice(0)) await journal.close();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  }
  children.clear();
  await rm(dir, { recursive: true, force: true });
});

function journal(path: string): FileJournal {
  const created = createFileJournal(path);
  journals.push(created);
  return created;
}

/** Other spellings of `real`, as a user might type them. */
const spellings = () => ({
  'a symlink to the file': join(dir, 'file-link.jsonl'),
  'a symlinked directory': join(dir, 'data-link', 'journal.jsonl'),
  'a ./ and .. spelling': `./${relative(process.cwd(), join(dir, 'data', '.', '..', 'data', 'journal.jsonl'))}`,
});

async function startHolder(path: string) {
  const child = spawn(process.execPath, [holderScript, compiledEntry, path]);
  children.add(child);
  child.stdin.on('error', () => {});
  const lines = createInterface({ input: child.stdout });
  const status = await new Promise<string | undefined>((r) => {
    lines.once('line', r);
    lines.once('close', () => r(undefined));
  });
  return { child, status };
}

describe('realJournalPath', () => {
  it('resolves every spelling to the real path, existing or not', async () => {
    for (const path of Object.values(spellings())) expect(realJournalPath(path)).toBe(real);
    // Not created yet, under a symlinked directory.
    expect(realJournalPath(join(dir, 'data-link', 'new', 'j.jsonl'))).toBe(
      join(dir, 'data', 'new', 'j.jsonl'),
    );
    // A dangling symlink: writing through it creates its target.
    await symlink(join(dir, 'data', 'later.jsonl'), join(dir, 'dangling.jsonl'));
    expect(realJournalPath(join(dir, 'dangling.jsonl'))).toBe(join(dir, 'data', 'later.jsonl'));
    // A symlink loop resolves to something rather than hanging or throwing.
    await symlink(join(dir, 'loop-b'), join(dir, 'loop-a'));
    await symlink(join(dir, 'loop-a'), join(dir, 'loop-b'));
    expect(typeof realJournalPath(join(dir, 'loop-a'))).toBe('string');
  });
});

describe('one writer per real path', () => {
  for (const [how, pick] of Object.entries({
    'a symlink to the file': 0,
    'a symlinked directory': 1,
    'a ./ and .. spelling': 2,
  })) {
    it(`in one process: a second journal through ${how} is refused 'locked'`, async () => {
      const other = Object.values(spellings())[pick]!;
      const first = journal(real);
      await first.open();
      await first.append({ type: 'started', sessionId: 'a', at: 1 });
      const error = await rejection(journal(other).open());
      expect(error.code).toBe('locked');
      expect(error.message).toMatch(/this process/);

      // And the other way round: the odd spelling first.
      await first.close();
      const second = journal(other);
      expect(await second.open()).toEqual([{ type: 'started', sessionId: 'a', at: 1 }]);
      expect(second.realPath).toBe(real);
      expect(existsSync(`${real}.lock`)).toBe(true);
      expect((await rejection(journal(real).open())).code).toBe('locked');
    });
  }

  it('through a dangling symlink: the target is created, and locked under its own name', async () => {
    const link = join(dir, 'dangling.jsonl');
    await symlink(join(dir, 'data', 'later.jsonl'), link);
    const first = journal(link);
    await first.open();
    await first.append({ type: 'started', sessionId: 'a', at: 1 });
    expect(existsSync(join(dir, 'data', 'later.jsonl.lock'))).toBe(true);
    expect(existsSync(`${link}.lock`)).toBe(false);
    expect((await rejection(journal(join(dir, 'data', 'later.jsonl')).open())).code).toBe('locked');
  });

  it('across processes: a child holding the journal through a symlinked directory locks out the real path', async () => {
    const { child, status } = await startHolder(spellings()['a symlinked directory']);
    expect(status).toBe(`ready ${child.pid}`);
    expect(readFileSync(`${real}.lock`, 'utf8').trim()).toBe(String(child.pid));
    for (const path of [real, ...Object.values(spellings())]) {
      const error = await rejection(journal(path).open());
      expect(error.code).toBe('locked');
      expect(error.message).toContain(String(child.pid));
    }
    child.stdin.write('close\n');
    await new Promise((r) => child.once('exit', r));
  });

  it('across processes: a child is refused through a symlink to the file this process holds', async () => {
    await journal(real).open();
    const { child, status } = await startHolder(spellings()['a symlink to the file']);
    expect(status).toBe('error locked');
    await new Promise((r) => child.once('exit', r));
    expect(child.exitCode).toBe(1);
  });
});

describe('journalScope', () => {
  it('is 16 hex digits, the same for every spelling, different for another journal', () => {
    const scope = journalScope(real);
    expect(scope).toMatch(/^[0-9a-f]{16}$/);
    for (const path of Object.values(spellings())) expect(journalScope(path)).toBe(scope);
    expect(journalScope(join(dir, 'data', 'other.jsonl'))).not.toBe(scope);
  });

  it('is what a file journal reports, before and after open', async () => {
    const viaLink = journal(spellings()['a symlinked directory']);
    expect(viaLink.scope).toBe(journalScope(real));
    await viaLink.open();
    expect(viaLink.scope).toBe(journalScope(real));
  });

  it('is random for memory journals, fixed per object', async () => {
    const a = createMemoryJournal();
    const b = createMemoryJournal();
    expect(a.scope).toMatch(/^[0-9a-f]{16}$/);
    expect(a.scope).not.toBe(b.scope);
    const before = a.scope;
    await a.open();
    await a.close();
    expect(a.scope).toBe(before);
  });
});
