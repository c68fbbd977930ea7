#!/usr/bin/env node
/**
 * A program with deterministic behaviour, for testing process actors. Plain
 * JavaScript with no dependencies, so it runs under any Node >= 22 from the
 * sources and from the built package alike. Build its command line with
 * `fixtureCommand()` rather than by hand.
 *
 *   node fixture.mjs [options] [-- echoed args...]
 *
 *   --mode succeed|exit|signal|hang   what to do after --delay (default succeed)
 *   --code N           exit code for --mode exit
 *   --signal SIG       signal to die by for --mode signal (sent to itself)
 *   --delay MS         wait this long before the mode's action (default 0)
 *   --stdout TEXT      print TEXT (and a newline) to stdout at start
 *   --stderr TEXT      print TEXT (and a newline) to stderr at start
 *   --lines N          print N lines `line <i>` to stdout at start, i = 1..N
 *   --line-width W     pad each of those lines with '.' to W characters
 *   --ignore-sigterm   ignore SIGTERM (only SIGKILL stops it then)
 *   --announce         print `pid:<pid>` once ready (handlers installed, descendants started)
 *   --spawn SPEC       start a hanging descendant; SPEC is JSON
 *                      { setsid?: boolean, ignoreSigterm?: boolean, spawn?: SPEC[] }
 *                      (`setsid` runs it in a new session, out of our process group,
 *                      like a daemon). Repeatable. Descendants share our stdout and
 *                      announce themselves, so a test learns every pid from `pid:` lines.
 *   --                 every later argument is printed back as `arg:<JSON string>`
 *
 * Every descendant announces itself before its parent does, so once the
 * root's `pid:` line is out, the whole tree is up (and every signal handler
 * installed).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

function parse(argv) {
  const options = { mode: 'succeed', delay: 0, stdout: [], stderr: [], spawn: [], echo: [] };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = () => {
      index++;
      if (index >= argv.length) fail(`${flag} needs a value`);
      return argv[index];
    };
    switch (flag) {
      case '--mode':
        options.mode = value();
        break;
      case '--code':
        options.code = Number(value());
        break;
      case '--signal':
        options.signal = value();
        break;
      case '--delay':
        options.delay = Number(value());
        break;
      case '--stdout':
        options.stdout.push(value());
        break;
      case '--stderr':
        options.stderr.push(value());
        break;
      case '--lines':
        options.lines = Number(value());
        break;
      case '--line-width':
        options.lineWidth = Number(value());
        break;
      case '--ignore-sigterm':
        options.ignoreSigterm = true;
        break;
      case '--announce':
        options.announce = true;
        break;
      case '--spawn':
        options.spawn.push(JSON.parse(value()));
        break;
      case '--':
        options.echo = argv.slice(index + 1);
        index = argv.length;
        break;
      default:
        fail(`unknown option ${flag}`);
    }
  }
  return options;
}

function fail(message) {
  process.stderr.write(`fixture: ${message}\n`);
  process.exit(64);
}

/** Argument list that makes a copy of this program behave as `spec` says (and hang). */
function specArgs(spec) {
  const args = [self, '--mode', 'hang', '--announce'];
  if (spec.ignoreSigterm) args.push('--ignore-sigterm');
  for (const child of spec.spawn ?? []) args.push('--spawn', JSON.stringify(child));
  return args;
}

/**
 * Starts a descendant and resolves once it is ready (so the tree is up). It
 * shares our stdout and stderr, the way a daemon started by a shell script
 * holds its parent's pipes; readiness comes over a one-shot IPC channel.
 */
function startDescendant(spec) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, specArgs(spec), {
      detached: Boolean(spec.setsid),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`descendant exited (${code ?? signal})`)),
    );
    child.once('message', () => {
      child.removeAllListeners('exit');
      resolve(child);
    });
  });
}

async function printLines(count, width) {
  const batch = [];
  for (let index = 1; index <= count; index++) {
    const line = `line ${index}`;
    batch.push(width && line.length < width ? line.padEnd(width, '.') : line);
    if (batch.length === 1000 || index === count) {
      const flushed = process.stdout.write(`${batch.join('\n')}\n`);
      batch.length = 0;
      // A full pipe queues writes in memory: wait for the reader instead.
      if (!flushed) await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
  }
}

/** Exits once everything written has reached the pipes (process.exit alone may cut it off). */
function exitAfterFlush(code) {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

async function main() {
  const options = parse(process.argv.slice(2));
  if (options.ignoreSigterm) process.on('SIGTERM', () => {});
  for (const text of options.stdout) process.stdout.write(`${text}\n`);
  for (const text of options.stderr) process.stderr.write(`${text}\n`);
  for (const arg of options.echo) process.stdout.write(`arg:${JSON.stringify(arg)}\n`);
  if (options.lines) await printLines(options.lines, options.lineWidth);
  await Promise.all(options.spawn.map(startDescendant));
  if (options.announce) process.stdout.write(`pid:${process.pid}\n`);
  if (process.send) {
    // Started by another fixture: tell it we are ready, then drop the channel.
    process.send('ready');
    process.disconnect();
  }

  if (options.mode === 'hang') {
    setInterval(() => {}, 1 << 30);
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, options.delay));
  switch (options.mode) {
    case 'succeed':
      exitAfterFlush(0);
      break;
    case 'exit':
      exitAfterFlush(options.code ?? 1);
      break;
    case 'signal':
      // Output first, or the signal would cut it off.
      await new Promise((resolve) => process.stdout.write('', resolve));
      process.kill(process.pid, options.signal ?? 'SIGTERM');
      // Stay alive until the signal lands (it is delivered asynchronously).
      setInterval(() => {}, 1 << 30);
      break;
    default:
      fail(`unknown mode ${options.mode}`);
  }
}

main().catch((error) => fail(String(error?.stack ?? error)));
