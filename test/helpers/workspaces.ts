/**
 * Shared by the workspace tests: throw-away git repositories and workspace
 * roots in the OS temp directory (removed after each test), git queries that
 * read what is really on disk, and a deterministic wait on a session's row.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { SessionManager, SessionView } from '../../src/index.js';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** Same rule as the runtime: the hook variables of an outer git must not leak in. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  for (const key of Object.keys(env)) {
    if (/^GIT_(DIR|WORK_TREE|INDEX_FILE|COMMON_DIR|OBJECT_DIRECTORY|PREFIX)$/.test(key)) {
      delete env[key];
    }
  }
  return env;
}

export function gitSync(repo: string, args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    env: gitEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** A fresh temp directory (real path), removed after the test. */
export function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `xstate-otp-${prefix}-`)));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A repository on branch `main` with one commit (README) and a tag `v1`. */
export function makeRepo(): string {
  const repo = tempDir('repo');
  gitSync(repo, ['init', '-q', '-b', 'main']);
  gitSync(repo, ['config', 'user.name', 'Workspace Test']);
  gitSync(repo, ['config', 'user.email', 'workspace-test@example.invalid']);
  writeFileSync(join(repo, 'README.md'), '# test repo\n');
  gitSync(repo, ['add', 'README.md']);
  gitSync(repo, ['commit', '-q', '-m', 'initial']);
  gitSync(repo, ['tag', 'v1']);
  return repo;
}

export interface WorktreeEntry {
  path: string;
  branch: string | undefined;
  prunable: boolean;
}

/** `git worktree list --porcelain`, the linked worktrees only (not the main one). */
export function linkedWorktrees(repo: string): WorktreeEntry[] {
  const blocks = gitSync(repo, ['worktree', 'list', '--porcelain']).split('\n\n');
  return blocks.slice(1).map((block) => {
    const lines = block.split('\n');
    const field = (name: string) =>
      lines.find((line) => line.startsWith(`${name} `))?.slice(name.length + 1);
    return {
      path: field('worktree')!,
      branch: field('branch')?.replace('refs/heads/', ''),
      prunable: lines.some((line) => line.startsWith('prunable')),
    };
  });
}

export function branches(repo: string): string[] {
  return gitSync(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/'])
    .split('\n')
    .filter(Boolean)
    .sort();
}

export { existsSync };

/** Resolves once the session's row satisfies `test` (the dashboard is the source of truth). */
export function waitForRow(
  manager: SessionManager,
  id: string,
  test: (row: SessionView) => boolean,
): Promise<SessionView> {
  return new Promise((resolve) => {
    const check = () => {
      const row = manager.getSession(id);
      if (row && test(row)) {
        subscription?.unsubscribe();
        resolve(row);
        return true;
      }
      return false;
    };
    let subscription: { unsubscribe(): void } | undefined;
    if (check()) return;
    subscription = manager.dashboard.subscribe(() => {
      check();
    });
  });
}
