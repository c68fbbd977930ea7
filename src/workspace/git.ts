/**
 * Running git: execa with an argument array (never a shell), in a clean
 * environment, one mutation at a time per repository.
 *
 * ```ts
 * const { ok, stdout, stderr } = await git('/src/app', ['rev-parse', '--git-dir']);
 * await withRepoLock('/src/app', () => git('/src/app', ['worktree', 'prune']));
 * ```
 *
 * Why a clean environment: inside a git hook (a test suite run from
 * pre-commit, say) `GIT_DIR`, `GIT_INDEX_FILE` and friends point at the
 * hook's repository, and git would obey them instead of `-C <repo>`.
 * `LC_ALL=C` keeps git's messages in English for classification, and
 * `GIT_TERMINAL_PROMPT=0` stops it from ever waiting for a password.
 */
import { execa } from 'execa';
import { WorkspaceError } from '../ground/errors.js';

export interface GitResult {
  ok: boolean;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** Variables that redirect git away from the repository named by `-C`. */
const REDIRECTING =
  /^GIT_(DIR|WORK_TREE|INDEX_FILE|COMMON_DIR|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE|PREFIX|CEILING_DIRECTORIES|DISCOVERY_ACROSS_FILESYSTEM|QUARANTINE_PATH)$/;

function gitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !REDIRECTING.test(key)) env[key] = value;
  }
  env.LC_ALL = 'C';
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

/** Runs `git -C <repo> ...args`; a non-zero exit is a result, a git that cannot start is a `WorkspaceError`. */
export async function git(repo: string, args: readonly string[]): Promise<GitResult> {
  const result = await execa('git', ['-C', repo, ...args], {
    reject: false,
    stdin: 'ignore',
    extendEnv: false,
    env: gitEnvironment(),
    stripFinalNewline: true,
  });
  if (result.exitCode === undefined) {
    throw new WorkspaceError(
      'workspace_failed',
      `git could not be run (${result.originalMessage || result.shortMessage}); is it installed and on PATH?`,
    );
  }
  return {
    ok: result.exitCode === 0,
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** git's own words, for messages: its last non-empty line of stderr. */
export function gitMessage(result: GitResult): string {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  return lines.at(-1)?.trim() ?? `git exited with ${result.exitCode}`;
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `task` once every earlier task on `repo` has settled. Worktree and
 * branch changes take git's lock files (`packed-refs.lock`,
 * `.git/worktrees/...`); two at once in one repository can make one of them
 * fail for no good reason, so a host makes its own changes one at a time.
 */
export function withRepoLock<T>(repo: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(repo) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(repo, tail);
  // Forget an idle repository so the map does not grow with every repo ever used.
  tail.then(() => {
    if (queues.get(repo) === tail) queues.delete(repo);
  });
  return run;
}
