/**
 * Durable sessions with a workspace: a resumed attempt (after a hand-off, a
 * simulated dead run, or a real kill -9 of its host) works in the workspace
 * its first attempt created, with what was written there; the keep policy
 * applies once, at the session's real end; a workspace that is gone is made
 * afresh, one replaced by something else is refused (`workspace_replaced`)
 * and left alone; a session that cannot resume has its workspace settled as
 * an interrupted one's.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  createMemoryJournal,
  createSessionManager,
  type JournalRecord,
  type MemoryJournal,
  type SessionManager,
} from '../src/index.js';
import { waitForPidsGone } from '../src/testing/processes.js';
import { durableTypes, type WorkspaceTypeInput } from './helpers/durable.js';
import { startDurableHost } from './helpers/durable-host.js';
import {
  branches,
  gitSync,
  linkedWorktrees,
  makeRepo,
  tempDir,
  waitForRow,
} from './helpers/workspaces.js';

const open = (journal: MemoryJournal | string, workspaceRoot: string, hostId?: string) =>
  createSessionManager({
    journal,
    workspaceRoot,
    sessionTypes: durableTypes,
    ...(hostId ? { hostId } : {}),
  });

const create = (manager: SessionManager, id: string, input: WorkspaceTypeInput) =>
  manager.createSession({ id, type: 'workspace', input: { ...input } });

const running = (manager: SessionManager, id: string) =>
  waitForRow(manager, id, (row) => row.state === 'running');

const ended = (manager: SessionManager, id: string) =>
  waitForRow(manager, id, (row) => row.outcome !== undefined);

/** Each workspace record of the session, as `status` or `status(reused)`. */
const workspaceStatuses = (records: readonly JournalRecord[], id: string) =>
  records
    .filter((r) => r.type === 'workspace' && r.sessionId === id)
    .map((r) => r as { status?: unknown; reused?: unknown })
    .map((r) => `${String(r.status)}${r.reused ? '(reused)' : ''}`);

/** Writes a file in the workspace; in a worktree, commits it on the session's branch too. */
function work(path: string, text: string, commit: boolean): void {
  writeFileSync(join(path, 'work.txt'), text);
  if (!commit) return;
  gitSync(path, ['add', 'work.txt']);
  gitSync(path, ['commit', '-q', '-m', text]);
}

/** The `<pid> <cwd>` lines the session's `cli` wrote, one per attempt so far. */
const cliRuns = (log: string) =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [pid, cwd] = line.split(' ');
          return { pid: Number(pid), cwd: cwd! };
        })
    : [];

const untilRuns = async (log: string, count: number) => {
  await vi.waitFor(() => expect(cliRuns(log)).toHaveLength(count), {
    timeout: 5000,
    interval: 10,
  });
  return cliRuns(log);
};

describe('a resumed durable session works in the workspace its first attempt created', () => {
  it('after a hand-off: a temp dir and a git worktree, with what attempt 1 wrote; the children run in the same place; the keep policy applies once, at the end', async () => {
    const journal = createMemoryJournal();
    const root = tempDir('root');
    const repo = makeRepo();
    const logs = tempDir('logs');
    const tLog = join(logs, 't1.log');
    const gLog = join(logs, 'g1.log');
    const first = await open(journal, root, 'one');
    create(first, 't1', { keep: 'never', log: tLog });
    create(first, 'g1', { repo, keep: 'never', log: gLog });
    await Promise.all([running(first, 't1'), running(first, 'g1')]);
    const t1 = first.getSession('t1')!.workspace!;
    const g1 = first.getSession('g1')!.workspace!;
    expect(t1).toEqual({ path: join(root, 't1') });
    expect(g1).toEqual({ path: join(root, 'g1'), branch: 'xstate-otp/g1' });
    const [tRun] = await untilRuns(tLog, 1);
    const [gRun] = await untilRuns(gLog, 1);
    expect([tRun!.cwd, gRun!.cwd]).toEqual([t1.path, g1.path]);
    work(t1.path, 'scratch of attempt 1', false);
    work(g1.path, 'commit of attempt 1', true);
    await first.send('g1', 'counter', { type: 'INC' });

    await first.stop({ handOff: true });
    // Handed off, not ended: nothing released, the processes gone.
    await waitForPidsGone([tRun!.pid, gRun!.pid]);
    expect(workspaceStatuses(journal.records(), 't1')).toEqual(['creating']);
    expect(workspaceStatuses(journal.records(), 'g1')).toEqual(['creating']);
    expect(readFileSync(join(t1.path, 'work.txt'), 'utf8')).toBe('scratch of attempt 1');
    expect(linkedWorktrees(repo)).toEqual([{ ...g1, prunable: false }]);

    const second = await open(journal, root, 'two');
    // Resumed as the manager opens; running once its workspace is checked.
    await Promise.all([running(second, 't1'), running(second, 'g1')]);
    expect(second.getSession('t1')).toMatchObject({ state: 'running', attempt: 2, workspace: t1 });
    expect(second.getSession('g1')).toMatchObject({ state: 'running', attempt: 2, workspace: g1 });
    // The same place, with attempt 1's work: nothing was created again.
    const [, tRun2] = await untilRuns(tLog, 2);
    const [, gRun2] = await untilRuns(gLog, 2);
    expect([tRun2!.cwd, gRun2!.cwd]).toEqual([t1.path, g1.path]);
    expect(readFileSync(join(t1.path, 'work.txt'), 'utf8')).toBe('scratch of attempt 1');
    expect(gitSync(g1.path, ['log', '-1', '--format=%s', 'xstate-otp/g1'])).toBe(
      'commit of attempt 1',
    );
    expect(workspaceStatuses(journal.records(), 't1')).toEqual(['creating', 'ready(reused)']);
    expect(workspaceStatuses(journal.records(), 'g1')).toEqual(['creating', 'ready(reused)']);
    expect(
      (second.getChild('g1', 'counter')!.getSnapshot() as { context: { count: number } }).context
        .count,
    ).toBe(1);

    // The real end: keep 'never' removes each, once.
    await second.send('t1', 'counter', { type: 'FINISH' });
    await second.send('g1', 'counter', { type: 'FINISH' });
    expect(await ended(second, 't1')).toMatchObject({
      outcome: 'completed',
      attempt: 2,
      workspace: { ...t1, kept: false },
    });
    expect(await ended(second, 'g1')).toMatchObject({
      outcome: 'completed',
      workspace: { ...g1, kept: false },
    });
    await second.stop();
    await waitForPidsGone([tRun2!.pid, gRun2!.pid]);
    expect(existsSync(t1.path)).toBe(false);
    expect(existsSync(g1.path)).toBe(false);
    expect(linkedWorktrees(repo)).toEqual([]);
    expect(branches(repo)).toEqual(['main']);
    const records = journal.records();
    expect(workspaceStatuses(records, 't1')).toEqual(['creating', 'ready(reused)', 'removed']);
    expect(workspaceStatuses(records, 'g1')).toEqual(['creating', 'ready(reused)', 'removed']);
    expect(
      records
        .filter((r) => r.type === 'terminal')
        .map((r) => [r.sessionId, (r as { outcome?: unknown }).outcome]),
    ).toEqual([
      ['t1', 'completed'],
      ['g1', 'completed'],
    ]);
  });

  it('after a simulated dead run: the next manager on what it wrote reuses both; a later cancel applies the keep policy', async () => {
    const journal = createMemoryJournal();
    const root = tempDir('root');
    const repo = makeRepo();
    const first = await open(journal, root, 'one');
    create(first, 'd-temp', { keep: 'always' });
    create(first, 'd-git', { repo, keep: 'on_failure' });
    await Promise.all([running(first, 'd-temp'), running(first, 'd-git')]);
    work(join(root, 'd-temp'), 'temp work', false);
    work(join(root, 'd-git'), 'git work', true);
    // The host dies: what it wrote is all the next one sees.
    const dead = createMemoryJournal(journal.records());
    // Its actors go too, leaving the disk as they found it (a hand-off releases nothing).
    await first.stop({ handOff: true });

    const second = await open(dead, root, 'two');
    await Promise.all([running(second, 'd-temp'), running(second, 'd-git')]);
    expect(second.getSession('d-temp')).toMatchObject({
      state: 'running',
      attempt: 2,
      workspace: { path: join(root, 'd-temp') },
    });
    expect(second.getSession('d-git')).toMatchObject({
      state: 'running',
      attempt: 2,
      workspace: { path: join(root, 'd-git'), branch: 'xstate-otp/d-git' },
    });
    expect(readFileSync(join(root, 'd-temp', 'work.txt'), 'utf8')).toBe('temp work');
    expect(readFileSync(join(root, 'd-git', 'work.txt'), 'utf8')).toBe('git work');
    expect(workspaceStatuses(dead.records(), 'd-git')).toEqual(['creating', 'ready(reused)']);

    // Cancelled for real now: 'always' keeps the temp dir, 'on_failure' removes the worktree.
    await second.terminateSession('d-temp');
    await second.terminateSession('d-git');
    expect(second.getSession('d-temp')).toMatchObject({
      outcome: 'cancelled',
      workspace: { kept: true },
    });
    expect(second.getSession('d-git')).toMatchObject({
      outcome: 'cancelled',
      workspace: { kept: false },
    });
    await second.stop();
    expect(readFileSync(join(root, 'd-temp', 'work.txt'), 'utf8')).toBe('temp work');
    expect(existsSync(join(root, 'd-git'))).toBe(false);
    expect(branches(repo)).toEqual(['main']);
    expect(workspaceStatuses(dead.records(), 'd-temp')).toEqual([
      'creating',
      'ready(reused)',
      'kept',
    ]);
    expect(workspaceStatuses(dead.records(), 'd-git')).toEqual([
      'creating',
      'ready(reused)',
      'removed',
    ]);
  });

  it('after a real kill -9 of its host: the process child runs again in the same worktree, with the work of attempt 1', async () => {
    const dir = tempDir('killed');
    const journal = join(dir, 'journal.jsonl');
    const root = tempDir('root');
    const repo = makeRepo();
    const log = join(dir, 'cli.log');
    const host = await startDurableHost({
      journal,
      workspaceRoot: root,
      type: 'workspace',
      sessions: ['k1'],
      input: { repo, keep: 'always', log },
      seed: 3,
      sends: 2,
    });
    const [run] = await untilRuns(log, 1);
    const path = join(root, 'k1');
    expect(run!.cwd).toBe(path);
    work(path, 'before the kill', true);
    await host.untilNote((note) => note === 'idle');
    await host.kill();
    // Its watchdog kills its process within a second of its death.
    await waitForPidsGone([run!.pid]);

    const manager = await open(journal, root);
    await running(manager, 'k1');
    expect(manager.getSession('k1')).toMatchObject({
      state: 'running',
      attempt: 2,
      workspace: { path, branch: 'xstate-otp/k1' },
    });
    const [, again] = await untilRuns(log, 2);
    expect(again!.cwd).toBe(path);
    expect(gitSync(path, ['log', '-1', '--format=%s'])).toBe('before the kill');
    expect(
      (manager.getChild('k1', 'counter')!.getSnapshot() as { context: { count: number } }).context
        .count,
    ).toBe(2);
    await manager.send('k1', 'counter', { type: 'FINISH' });
    expect(await ended(manager, 'k1')).toMatchObject({
      outcome: 'completed',
      workspace: { path, kept: true },
    });
    await manager.stop();
    await waitForPidsGone([again!.pid]);
    expect(linkedWorktrees(repo)).toEqual([{ path, branch: 'xstate-otp/k1', prunable: false }]);
  });
});

describe('when the previous workspace is not there to reuse', () => {
  it('gone (another machine, or removed): a new one is created as usual', async () => {
    const journal = createMemoryJournal();
    const root = tempDir('root');
    const repo = makeRepo();
    const first = await open(journal, root);
    create(first, 'gone-temp', {});
    create(first, 'gone-git', { repo });
    await Promise.all([running(first, 'gone-temp'), running(first, 'gone-git')]);
    await first.stop({ handOff: true });
    // What a survivor on another machine sees: nothing at either path.
    rmSync(join(root, 'gone-temp'), { recursive: true });
    gitSync(repo, ['worktree', 'remove', '--force', join(root, 'gone-git')]);
    gitSync(repo, ['branch', '-D', 'xstate-otp/gone-git']);

    const second = await open(journal, root);
    await Promise.all([running(second, 'gone-temp'), running(second, 'gone-git')]);
    expect(existsSync(join(root, 'gone-temp'))).toBe(true);
    expect(linkedWorktrees(repo).map((w) => w.branch)).toEqual(['xstate-otp/gone-git']);
    expect(workspaceStatuses(journal.records(), 'gone-temp')).toEqual(['creating', 'creating']);
    expect(workspaceStatuses(journal.records(), 'gone-git')).toEqual(['creating', 'creating']);
    await second.stop();
  });

  it('replaced by something else: the attempt fails with workspace_replaced, and what is there is left alone, for good', async () => {
    const journal = createMemoryJournal();
    const root = tempDir('root');
    const repo = makeRepo();
    const first = await open(journal, root);
    create(first, 'r-dir', { repo, keep: 'never' });
    create(first, 'r-branch', { repo, keep: 'never' });
    create(first, 'r-file', { keep: 'never' });
    await Promise.all(['r-dir', 'r-branch', 'r-file'].map((id) => running(first, id)));
    await first.stop({ handOff: true });
    // A plain directory where the worktree was; a worktree switched to another branch; a file.
    gitSync(repo, ['worktree', 'remove', '--force', join(root, 'r-dir')]);
    mkdirSync(join(root, 'r-dir'));
    writeFileSync(join(root, 'r-dir', 'mine.txt'), 'not the session’s');
    gitSync(join(root, 'r-branch'), ['switch', '-q', '-c', 'someone-else']);
    rmSync(join(root, 'r-file'), { recursive: true });
    writeFileSync(join(root, 'r-file'), 'a file');

    const second = await open(journal, root);
    const reasons = await Promise.all(
      ['r-dir', 'r-branch', 'r-file'].map(async (id) => {
        const row = await ended(second, id);
        expect(row).toMatchObject({ outcome: 'failed', attempt: 2, workspace: { kept: true } });
        return row.reason!;
      }),
    );
    for (const reason of reasons) {
      expect(reason).toContain('workspace not created (workspace_replaced)');
    }
    expect(reasons[0]).toContain('is not a git working tree');
    expect(reasons[1]).toContain('is on someone-else, not on branch xstate-otp/r-branch');
    expect(reasons[2]).toContain('is no longer a directory');
    await second.stop();
    // Recorded as left alone: no later start removes any of it, whatever the keep policy says.
    const third = await open(journal, root);
    await third.stop();
    expect(readFileSync(join(root, 'r-dir', 'mine.txt'), 'utf8')).toBe('not the session’s');
    expect(gitSync(join(root, 'r-branch'), ['branch', '--show-current'])).toBe('someone-else');
    expect(readFileSync(join(root, 'r-file'), 'utf8')).toBe('a file');
    expect(branches(repo)).toEqual([
      'main',
      'someone-else',
      'xstate-otp/r-branch',
      'xstate-otp/r-dir',
    ]);
    for (const id of ['r-dir', 'r-branch', 'r-file']) {
      expect(workspaceStatuses(journal.records(), id)).toEqual(['creating', 'kept']);
    }
  });
});

describe('a durable session that cannot resume', () => {
  it("resume: 'never', or a manager without the type: it ends interrupted and its workspace is settled per its keep policy", async () => {
    const journal = createMemoryJournal();
    const root = tempDir('root');
    const repo = makeRepo();
    const first = await open(journal, root);
    create(first, 'n-keep', { repo, never: true });
    create(first, 'n-drop', { never: true, keep: 'never' });
    await Promise.all([running(first, 'n-keep'), running(first, 'n-drop')]);
    await first.stop({ handOff: true });
    const second = await open(journal, root);
    expect(second.getSession('n-keep')).toMatchObject({
      state: 'interrupted',
      workspace: { path: join(root, 'n-keep'), branch: 'xstate-otp/n-keep', kept: true },
    });
    expect(second.getSession('n-drop')).toMatchObject({
      state: 'interrupted',
      workspace: { path: join(root, 'n-drop'), kept: false },
    });
    await second.stop();
    expect(existsSync(join(root, 'n-keep'))).toBe(true);
    expect(existsSync(join(root, 'n-drop'))).toBe(false);

    const other = createMemoryJournal();
    const third = await open(other, root);
    create(third, 'typeless', { keep: 'never' });
    await running(third, 'typeless');
    await third.stop({ handOff: true });
    const untyped = await createSessionManager({ journal: other, workspaceRoot: root });
    expect(untyped.getSession('typeless')).toMatchObject({
      state: 'interrupted',
      workspace: { kept: false },
    });
    await untyped.stop();
    expect(existsSync(join(root, 'typeless'))).toBe(false);
  });
});

describe('session types with a workspace', () => {
  it('a type returns the workspace; createSession may not give one next to a type (invalid_spec)', async () => {
    const root = tempDir('root');
    const manager = await open(createMemoryJournal(), root);
    expect(() =>
      manager.createSession({ id: 'both', type: 'workspace', workspace: { kind: 'temp-dir' } }),
    ).toThrow(/workspace comes from its type/);
    create(manager, 'typed', {});
    await running(manager, 'typed');
    expect(existsSync(join(root, 'typed'))).toBe(true);
    await manager.stop();
  });
});
