import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  createMemoryJournal,
  createSessionManager,
  type Journal,
  type SessionSpec,
  type TerminalRecord,
} from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';
import { branches, gitSync, linkedWorktrees, makeRepo, tempDir } from './helpers/workspaces.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

const spec = (id: string, workspace: SessionSpec['workspace']): SessionSpec => ({
  id,
  autoShutdown: 'any_significant',
  workspace,
  children: workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
});

/** Runs one session that is expected to fail at `starting`, and returns its record. */
async function failedStart(
  workspace: SessionSpec['workspace'],
  root: string,
): Promise<{ record: TerminalRecord; types: string[] }> {
  const journal = createMemoryJournal();
  const manager = await createSessionManager({ journal, workspaceRoot: root });
  const record = await manager.createSession(spec('s', workspace)).done;
  expect(manager.getSession('s')!.workspace).toBeUndefined();
  // No child ever started.
  expect(manager.getSession('s')!.startedAt).toBeUndefined();
  await manager.stop();
  const types = journal
    .records()
    .map((r) => (r.type === 'workspace' ? `workspace:${String(r.status)}` : r.type));
  return { record, types };
}

function expectNothingLeft(root: string, repo?: string, branchesBefore = ['main']) {
  expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
  if (repo) {
    expect(linkedWorktrees(repo)).toEqual([]);
    expect(branches(repo)).toEqual(branchesBefore);
  }
}

describe('a workspace that cannot be created fails the session at starting, leaving nothing', () => {
  test('not a git repository', async () => {
    const plain = tempDir('plain');
    const root = tempDir('root');
    const { record, types } = await failedStart({ kind: 'git-worktree', repo: plain }, root);
    expect(record.outcome).toBe('failed');
    expect(record.reason).toMatch(
      /^workspace not created \(not_a_repository\): .* is not a git repository/,
    );
    expect(types).toEqual(['created', 'terminal']);
    expectNothingLeft(root);
  });

  test('a repo path that does not exist', async () => {
    const root = tempDir('root');
    const missing = join(tempDir('gone'), 'nowhere');
    const { record } = await failedStart({ kind: 'git-worktree', repo: missing }, root);
    expect(record.reason).toMatch(/\(not_a_repository\): repo .*nowhere does not exist/);
    expectNothingLeft(root);
  });

  test('a baseRef that names no commit, and a repository without commits', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const bad = await failedStart({ kind: 'git-worktree', repo, baseRef: 'no-such-branch' }, root);
    expect(bad.record.reason).toMatch(
      /\(bad_ref\): baseRef "no-such-branch" does not name a commit/,
    );
    expectNothingLeft(root, repo);

    const empty = tempDir('empty');
    gitSync(empty, ['init', '-q']);
    const unborn = await failedStart({ kind: 'git-worktree', repo: empty }, root);
    expect(unborn.record.reason).toMatch(/\(bad_ref\): baseRef "HEAD"/);
    expectNothingLeft(root);
  });

  test('a branch that already exists is left exactly as it was', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    gitSync(repo, ['branch', 'xstate-otp/s']);
    const before = gitSync(repo, ['rev-parse', 'xstate-otp/s']);
    const { record } = await failedStart({ kind: 'git-worktree', repo }, root);
    expect(record.reason).toMatch(/\(branch_exists\): branch xstate-otp\/s already exists/);
    expectNothingLeft(root, repo, ['main', 'xstate-otp/s']);
    expect(gitSync(repo, ['rev-parse', 'xstate-otp/s'])).toBe(before);
  });

  test('a path that already exists (a kept workspace) is left exactly as it was', async () => {
    const root = tempDir('root');
    mkdirSync(join(root, 's'));
    writeFileSync(join(root, 's', 'kept.txt'), 'from an earlier session');
    const { record } = await failedStart({ kind: 'temp-dir' }, root);
    expect(record.reason).toMatch(/\(path_exists\): .*s already exists/);
    expect(readdirSync(join(root, 's'))).toEqual(['kept.txt']);
  });

  test('git failing after it made the worktree (a post-checkout hook): all of it is undone', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const hook = join(repo, '.git', 'hooks', 'post-checkout');
    writeFileSync(hook, '#!/bin/sh\necho "hook says no" >&2\nexit 3\n');
    chmodSync(hook, 0o755);
    const { record, types } = await failedStart({ kind: 'git-worktree', repo }, root);
    expect(record.reason).toMatch(/\(workspace_failed\): git worktree add .* failed: hook says no/);
    expect(types).toEqual(['created', 'workspace:creating', 'workspace:rolled_back', 'terminal']);
    expectNothingLeft(root, repo);
  });

  test('no permission to write the workspace root', async () => {
    const root = tempDir('root');
    const repo = makeRepo();
    // As root every write is allowed: the host then runs as nobody, on a repo it may read.
    const asRoot = process.getuid?.() === 0;
    chmodSync(root, 0o555);
    chmodSync(repo, 0o755);
    const host = spawn(
      process.execPath,
      [
        '--import',
        join(fixtures, 'register-ts.mjs'),
        join(fixtures, 'workspace-permission-host.mjs'),
        root,
        repo,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
        env: {
          ...process.env,
          // git refuses repositories of other users unless told they are safe.
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: 'safe.directory',
          GIT_CONFIG_VALUE_0: '*',
        },
      },
    );
    let out = '';
    host.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise((resolve) => host.on('exit', resolve));
    expect(code).toBe(0);
    const records = JSON.parse(out) as Record<string, TerminalRecord>;
    expect(records.temp!.outcome).toBe('failed');
    expect(records.temp!.reason).toMatch(/^workspace not created \(permission\): no permission/);
    expect(records.tree!.outcome).toBe('failed');
    expect(records.tree!.reason).toMatch(/^workspace not created \(permission\): no permission/);
    chmodSync(root, 0o755);
    expectNothingLeft(root, repo);
  });
});

describe('cancelled while the workspace is being created', () => {
  test('after it was journaled, before git ran: nothing is created, the session ends cancelled', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const inner = createMemoryJournal();
    let onCreating = () => {};
    const journal: Journal = {
      open: () => inner.open(),
      close: () => inner.close(),
      append: async (record) => {
        await inner.append(record);
        if (record.type === 'workspace' && record.status === 'creating') onCreating();
      },
    };
    const manager = await createSessionManager({ journal, workspaceRoot: root });
    let cancelled: Promise<TerminalRecord> | undefined;
    onCreating = () => {
      cancelled = manager.terminateSession('s', 'changed my mind');
      expect(manager.getSession('s')!.state).toBe('stopping');
    };
    const session = manager.createSession(spec('s', { kind: 'git-worktree', repo }));
    const record = await session.done;
    expect(record).toMatchObject({ outcome: 'cancelled', reason: 'changed my mind' });
    expect(await cancelled).toBe(record);
    expectNothingLeft(root, repo);
    expect(inner.records().flatMap((r) => (r.type === 'workspace' ? [r.status] : []))).toEqual([
      'creating',
      'rolled_back',
    ]);
    await manager.stop();
  });

  test('while git is checking out: the session waits for git, undoes its work, then ends cancelled', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const pipes = tempDir('pipes');
    const started = join(pipes, 'started');
    const gate = join(pipes, 'gate');
    execFileSync('mkfifo', [started, gate]);
    // The hook runs inside `git worktree add`, after the checkout: it says so, then waits for the gate.
    const hook = join(repo, '.git', 'hooks', 'post-checkout');
    writeFileSync(hook, `#!/bin/sh\necho started > '${started}'\nread line < '${gate}'\nexit 0\n`);
    chmodSync(hook, 0o755);

    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, workspaceRoot: root });
    const session = manager.createSession(spec('s', { kind: 'git-worktree', repo }));
    const reader = await open(started, 'r'); // resolves once the hook has opened it: git is mid-add
    await reader.readFile();
    await reader.close();
    expect(linkedWorktrees(repo).map((w) => w.branch)).toEqual(['xstate-otp/s']);
    const cancelled = manager.terminateSession('s');
    expect(manager.getSession('s')!.state).toBe('stopping');
    await writeFile(gate, 'go\n');
    const record = await cancelled;
    expect(record.outcome).toBe('cancelled');
    expect(await session.done).toBe(record);
    expectNothingLeft(root, repo);
    expect(
      journal.records().flatMap((r) => (r.type === 'workspace' ? [[r.status, r.error]] : [])),
    ).toEqual([
      ['creating', undefined],
      ['rolled_back', 'abandoned'],
    ]);
    await manager.stop();
  });

  test('a session stopped by the manager while starting is cancelled the same way', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const manager = await createSessionManager({ workspaceRoot: root });
    const session = manager.createSession(spec('s', { kind: 'git-worktree', repo }));
    await manager.stop();
    expect((await session.done).outcome).toBe('cancelled');
    expectNothingLeft(root, repo);
  });
});

describe('bad workspace specs are rejected before anything starts', () => {
  test.each([
    [null, /must be an object/],
    [{ kind: 'docker' }, /kind must be 'git-worktree' or 'temp-dir'/],
    [{ kind: 'git-worktree' }, /repo must be a non-empty path/],
    [{ kind: 'git-worktree', repo: '' }, /repo must be a non-empty path/],
    [
      { kind: 'git-worktree', repo: '.', baseRef: '--upload-pack=evil' },
      /baseRef must be a git revision/,
    ],
    [{ kind: 'git-worktree', repo: '.', baseRef: 'a b' }, /baseRef must be a git revision/],
    [{ kind: 'temp-dir', keep: 'sometimes' }, /keep must be one of never, on_failure, always/],
    [{ kind: 'temp-dir', repo: '.' }, /unknown option\(s\): repo/],
  ])('%j', async (workspace, message) => {
    const root = tempDir('root');
    const manager = await createSessionManager({ workspaceRoot: root });
    expect(() => manager.createSession(spec('s', workspace as never))).toThrow(
      expect.objectContaining({ code: 'invalid_spec', message: expect.stringMatching(message) }),
    );
    expect(manager.listSessions()).toEqual([]);
    await manager.stop();
  });

  test('a workspaceRoot that is not a path', async () => {
    await expect(createSessionManager({ workspaceRoot: '' })).rejects.toMatchObject({
      code: 'invalid_option',
    });
  });
});
