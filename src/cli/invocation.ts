/**
 * How to run `xstate-otp` again from where the user is: the demo's closing
 * hint must be a command that works when pasted.
 *
 * ```ts
 * commandHint(['sessions', '--journal', '/tmp/j.jsonl']);
 * // in a clone or a project that depends on xstate-otp: 'npx xstate-otp sessions --journal /tmp/j.jsonl'
 * // from elsewhere:  'cd /src/xstate-otp && npx xstate-otp sessions --journal /tmp/j.jsonl'
 * // installed globally (on PATH): 'xstate-otp sessions --journal /tmp/j.jsonl'
 * ```
 *
 * `npx xstate-otp` finds the command in a project's `node_modules/.bin`, and
 * in a clone of this package itself (npm runs the root package's own `bin`);
 * it also puts that project's Node first on PATH. It does not look in other
 * directories, hence the `cd` when the user is outside the project.
 */
import { basename, dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Invocation {
  /** The script the user ran (`process.argv[1]`): a `bin` link or `…/dist/cli/main.js`. */
  script: string | undefined;
  cwd: string;
  /** This package's root directory. */
  packageRoot: string;
}

export function currentInvocation(): Invocation {
  return {
    script: process.argv[1],
    cwd: process.cwd(),
    // src/cli/ or dist/cli/: the package root is two levels up.
    packageRoot: resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  };
}

/** A word the shell reads back as it is. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The directory whose `node_modules` holds `path`, or undefined when it is not in one. */
function projectOf(path: string): string | undefined {
  const at = path.indexOf(`${sep}node_modules${sep}`);
  return at === -1 ? undefined : path.slice(0, at) || sep;
}

const inside = (dir: string, root: string) => dir === root || dir.startsWith(`${root}${sep}`);

/** The shell command that runs `xstate-otp <args>` from `invocation.cwd`. */
export function commandHint(
  args: readonly string[],
  invocation: Invocation = currentInvocation(),
): string {
  const tail = args.map(shellWord).join(' ');
  const { script, cwd, packageRoot } = invocation;
  const viaBin = script !== undefined && basename(script) === 'xstate-otp';
  const binProject = viaBin ? projectOf(script) : undefined;
  // Run through a link on PATH that is no project's: a global install.
  if (viaBin && binProject === undefined) return `xstate-otp ${tail}`;
  const project = binProject ?? projectOf(packageRoot) ?? packageRoot;
  const npx = `npx xstate-otp ${tail}`;
  return inside(cwd, project) ? npx : `cd ${shellWord(project)} && ${npx}`;
}
