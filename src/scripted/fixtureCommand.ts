/**
 * The command line of the test fixture program, ready to be a `fromProcess`
 * input. The fixture behaves deterministically: it succeeds, exits with a
 * code, dies by a signal or hangs after a delay, prints what it is told to,
 * ignores SIGTERM, and starts descendants (some escaping the process group
 * with `setsid`) that announce their pids.
 *
 * ```ts
 * const actor = createActor(fromProcess(), {
 *   input: { ...fixtureCommand({ mode: 'exit', code: 3, delayMs: 50, stderr: 'boom' }), forceKillAfterMs: 500 },
 * });
 * // A tree: root -> child -> grandchild, plus a daemon that called setsid.
 * fixtureCommand({ mode: 'hang', announce: true, spawn: [{ spawn: [{}] }, { setsid: true }] });
 * ```
 *
 * `command` is this Node binary and the first argument the absolute path of
 * `fixture.mjs`, which sits next to this module in the sources and in the
 * built package.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of the fixture program. */
export const fixturePath: string = fileURLToPath(new URL('./fixture.mjs', import.meta.url));

/** A hanging descendant the fixture starts. */
export interface FixtureDescendant {
  /** Start it in a new session (`setsid`): outside the process group, like a daemon. */
  setsid?: boolean;
  ignoreSigterm?: boolean;
  /** Its own descendants. */
  spawn?: FixtureDescendant[];
}

export type FixtureMode =
  | { mode?: 'succeed' }
  | { mode: 'exit'; code: number }
  | { mode: 'signal'; signal: NodeJS.Signals }
  | { mode: 'hang' };

export type FixtureOptions = FixtureMode & {
  /** Wait this long before the mode's action (exiting, dying). Default 0. */
  delayMs?: number;
  /** Printed at start, each followed by a newline. */
  stdout?: string | string[];
  stderr?: string | string[];
  /** Print `line 1` ... `line N` to stdout at start. */
  lines?: number;
  /** Pad those lines with '.' to this width (for output volume tests). */
  lineWidth?: number;
  ignoreSigterm?: boolean;
  /** Print `pid:<pid>` once ready; descendants always do, before their parent. */
  announce?: boolean;
  spawn?: FixtureDescendant[];
  /** Passed after `--` and printed back, one `arg:<JSON string>` line each. */
  echo?: string[];
};

export interface FixtureCommand {
  command: string;
  args: string[];
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** `{ command, args }` running the fixture as `options` say. */
export function fixtureCommand(options: FixtureOptions = {}): FixtureCommand {
  const args = [fixturePath, '--mode', options.mode ?? 'succeed'];
  if (options.mode === 'exit') args.push('--code', String(options.code));
  if (options.mode === 'signal') args.push('--signal', options.signal);
  if (options.delayMs !== undefined) args.push('--delay', String(options.delayMs));
  for (const text of asList(options.stdout)) args.push('--stdout', text);
  for (const text of asList(options.stderr)) args.push('--stderr', text);
  if (options.lines !== undefined) args.push('--lines', String(options.lines));
  if (options.lineWidth !== undefined) args.push('--line-width', String(options.lineWidth));
  if (options.ignoreSigterm) args.push('--ignore-sigterm');
  if (options.announce) args.push('--announce');
  for (const spec of options.spawn ?? []) args.push('--spawn', JSON.stringify(spec));
  if (options.echo) args.push('--', ...options.echo);
  return { command: process.execPath, args };
}

/** Number of processes `spawn` starts, counting nested descendants (not the root). */
export function countDescendants(spawn: readonly FixtureDescendant[] = []): number {
  return spawn.reduce((total, spec) => total + 1 + countDescendants(spec.spawn), 0);
}
