/**
 * Running the built `xstate-otp` command from tests.
 *
 * ```ts
 * const cli = ensureBuilt();                        // dist/cli/main.js, rebuilt if src is newer
 * const result = await runCli(['sessions', '--json'], { cwd });
 * const demo = startCli(['demo'], { cwd });          // a live child: lines, waitForLine, exited
 * ```
 *
 * `npm test` builds before it runs vitest, so normally `dist/` is fresh and
 * nothing is built here. Run alone (`npx vitest run test/cli-*.test.ts`), a
 * stale `dist/` is rebuilt first. Test files run in parallel workers, so the
 * build happens under a lock directory: one worker builds, the others wait
 * for it and then find `dist/` fresh.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');
const lockDir = join(repoRoot, 'node_modules', '.cache', 'xstate-otp-test-build.lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|mjs)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!existsSync(cliPath)) return false;
  return statSync(cliPath).mtimeMs >= newestSource(join(repoRoot, 'src'));
}

function tryLock(): boolean {
  try {
    mkdirSync(lockDir, { recursive: false });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      mkdirSync(join(lockDir, '..'), { recursive: true });
      return tryLock();
    }
    // A lock older than any build is debris of a killed run.
    if (Date.now() - statSync(lockDir).mtimeMs > 120_000)
      rmSync(lockDir, { force: true, recursive: true });
    return false;
  }
}

function build(): void {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
  } catch (error) {
    // tsc still emits on type errors; those are the typecheck step's to report.
    if (!existsSync(cliPath)) throw error;
  }
  // The rest of `npm run build`: the dashboard page's browser modules, into dist/.
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'vendor-assets.mjs')], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
}

/** Makes sure `dist/` is built from the current sources; returns the CLI's path. */
export function ensureBuilt(): string {
  const deadline = Date.now() + 120_000;
  while (!isFresh()) {
    if (tryLock()) {
      try {
        if (!isFresh()) build();
      } finally {
        rmSync(lockDir, { force: true, recursive: true });
      }
      break;
    }
    if (Date.now() > deadline)
      throw new Error('Timed out waiting for another worker to build dist/.');
    // Another worker is building: wait for its lock to go.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  return cliPath;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Complete stdout lines so far. */
  lines: string[];
  stderr(): string;
  /** Resolves with the first line (seen or to come) matching `predicate`; rejects if the CLI exits first. */
  waitForLine(predicate: (line: string) => boolean): Promise<string>;
  exited: Promise<CliResult>;
}

/** Starts the built CLI with the test's own Node (>= 22), output piped. */
export function startCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): RunningCli {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lines: string[] = [];
  const waiters: {
    predicate: (line: string) => boolean;
    resolve: (line: string) => void;
    reject: (e: Error) => void;
  }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
    const parts = stdout.split('\n');
    const complete = parts.slice(lines.length, -1);
    lines.push(...complete);
    for (const line of complete) {
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<CliResult>((resolveExit) => {
    child.on('close', (code, signal) => {
      const trailing = stdout
        .split('\n')
        .slice(lines.length)
        .filter((line) => line !== '');
      lines.push(...trailing);
      for (const waiter of waiters.splice(0)) {
        waiter.reject(
          new Error(
            `The CLI exited (${code ?? signal}) before the awaited line.\n${stdout}\n${stderr}`,
          ),
        );
      }
      resolveExit({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    lines,
    stderr: () => stderr,
    waitForLine: (predicate) =>
      new Promise((resolveLine, reject) => {
        const seen = lines.find(predicate);
        if (seen !== undefined) resolveLine(seen);
        else if (child.exitCode !== null || child.signalCode !== null)
          reject(new Error('The CLI has exited.'));
        else waiters.push({ predicate, resolve: resolveLine, reject });
      }),
    exited,
  };
}

/** Runs the built CLI to the end. */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  return startCli(args, options).exited;
}
