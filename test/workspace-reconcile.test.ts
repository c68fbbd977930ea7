import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { createSessionManager, type JournalRecord } from '../src/index.js';
import { isPidAlive } from '../src/testing/index.js';
import { branches, linkedWorktrees, makeRepo, tempDir } from './helpers/workspaces.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Runs the workspace host until its sessions are running, then kills it with SIGKILL. */
async function crashHost(journal: string, root: string, repo: string): Promise<void> {
  const host = spawn(
    process.execPath,
    [
      '--import',
      join(fixtures, 'register-ts.mjs'),
      join(fixtures, 'workspace-host.mjs'),
      journal,
      root,
      repo,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    host.on('exit', (_, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    host.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    host.on('exit', (code) => reject(new Error(`host exited early with ${code}`)));
  });
  host.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  expect(isPidAlive(host.pid!)).toBe(false);
}

const records = (path: string): JournalRecord[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('workspaces of a host killed mid-session', () => {
  test('the next manager marks them interrupted, applies each keep policy, and prunes git', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const journal = join(tempDir('journal'), 'journal.jsonl');
    await crashHost(journal, root, repo);

    const worktree = (id: string) => ({ path: join(root, id), branch: `xstate-otp/${id}` });
    // What the dead host left: every live session's workspace, with some work in it.
    expect(linkedWorktrees(repo).map((w) => w.branch)).toEqual([
      'xstate-otp/ws-always',
      'xstate-otp/ws-gone',
      'xstate-otp/ws-never',
      'xstate-otp/ws-on-failure',
    ]);
    for (const id of ['ws-never', 'ws-on-failure', 'ws-always', 'ws-temp']) {
      writeFileSync(join(root, id, 'work.txt'), id);
    }
    // Someone deleted one kept worktree by hand: git still lists it, as prunable.
    rmSync(join(root, 'ws-gone'), { recursive: true });
    expect(linkedWorktrees(repo).find((w) => w.branch === 'xstate-otp/ws-gone')?.prunable).toBe(
      true,
    );

    const manager = await createSessionManager({ journal, workspaceRoot: root });
    const views = Object.fromEntries(
      manager.listSessions().map((s) => [s.id, [s.state, s.workspace]]),
    );
    expect(views).toEqual({
      'ws-done': ['completed', { ...worktree('ws-done'), kept: false }],
      'ws-never': ['interrupted', { ...worktree('ws-never'), kept: false }],
      'ws-on-failure': ['interrupted', { ...worktree('ws-on-failure'), kept: true }],
      'ws-always': ['interrupted', { ...worktree('ws-always'), kept: true }],
      'ws-gone': ['interrupted', { ...worktree('ws-gone'), kept: true }],
      'ws-temp': ['interrupted', { path: join(root, 'ws-temp'), kept: false }],
    });
    await manager.stop();

    // git's view: the kept worktrees and their branches, nothing stale.
    expect(linkedWorktrees(repo)).toEqual([
      { ...worktree('ws-always'), prunable: false },
      { ...worktree('ws-on-failure'), prunable: false },
    ]);
    expect(branches(repo)).toEqual([
      'main',
      'xstate-otp/ws-always',
      'xstate-otp/ws-gone',
      'xstate-otp/ws-on-failure',
    ]);
    expect(existsSync(join(root, 'ws-never'))).toBe(false);
    expect(existsSync(join(root, 'ws-temp'))).toBe(false);
    expect(readFileSync(join(root, 'ws-on-failure', 'work.txt'), 'utf8')).toBe('ws-on-failure');

    // Settled once: a third manager has nothing left to do and writes nothing.
    const settled = readFileSync(journal, 'utf8');
    const statuses = records(journal).flatMap((r) =>
      r.type === 'workspace' ? [`${r.sessionId}:${String(r.status)}`] : [],
    );
    expect(statuses.filter((s) => !s.endsWith(':creating')).sort()).toEqual([
      'ws-always:kept',
      'ws-done:removed',
      'ws-gone:kept',
      'ws-never:removed',
      'ws-on-failure:kept',
      'ws-temp:removed',
    ]);
    const third = await createSessionManager({ journal, workspaceRoot: root });
    expect(third.getSession('ws-never')!.workspace).toEqual({
      ...worktree('ws-never'),
      kept: false,
    });
    await third.stop();
    expect(readFileSync(journal, 'utf8')).toBe(settled);
  });

  test('a journal record that names a path this runtime would not build is left alone', async () => {
    const root = tempDir('root');
    const elsewhere = tempDir('elsewhere');
    writeFileSync(join(elsewhere, 'precious.txt'), 'do not delete');
    const journal = join(tempDir('journal'), 'journal.jsonl');
    const lines = [
      { type: 'created', sessionId: 'x', at: 1 },
      {
        type: 'workspace',
        sessionId: 'x',
        at: 2,
        status: 'creating',
        kind: 'temp-dir',
        root,
        path: elsewhere,
        keep: 'never',
      },
    ];
    writeFileSync(journal, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const manager = await createSessionManager({ journal, workspaceRoot: root });
    expect(manager.getSession('x')).toMatchObject({
      state: 'interrupted',
      workspace: { path: elsewhere, kept: true },
    });
    await manager.stop();
    expect(readFileSync(join(elsewhere, 'precious.txt'), 'utf8')).toBe('do not delete');
    expect(records(journal).at(-1)).toMatchObject({
      type: 'workspace',
      status: 'kept',
      error: expect.stringMatching(/left alone/),
    });
  });
});
