/**
 * `npm run chaos`: the suite's three chaos tests, bigger and over several
 * seeds. Each run is one vitest run of `test/chaos-sessions.test.ts`,
 * `test/chaos-processes.test.ts` and `test/chaos-durable.test.ts` with its
 * seed and sizes in the environment (`CHAOS_SEED`, `CHAOS_SESSIONS`,
 * `CHAOS_PROCESS_SESSIONS`, `CHAOS_DURABLE_SESSIONS`); a failing run prints
 * its whole output and the command that replays it, and the script exits 1.
 *
 *   node scripts/chaos.mjs [--seed N] [--runs N] [--sessions N] [--process-sessions N]
 *                          [--durable-sessions N] [--only sessions|processes|durable]
 *
 * --seed              the first seed (default: a random one, printed); run i uses seed + i
 * --runs              how many seeds (default 5)
 * --sessions          in-memory sessions per run (default 10000)
 * --process-sessions  process sessions per run (default 200; about 450 processes at once)
 * --durable-sessions  durable sessions per run (default 1000, a fifth with a process):
 *                     their host SIGKILLed 3–5 times at seeded instants (while it opens
 *                     and resumes, mid-checkpoint, or just after an acknowledged FINISH),
 *                     their processes killed at random,
 *                     the journal reopened until every session ended; then the same on a
 *                     2-host cluster (a nats-server started by the test), both hosts
 *                     killed and replaced side by side while survivors resume what the
 *                     dead left (CHAOS_DURABLE_STORE=file or nats runs one of the two)
 * --only              run one of the three tests
 * --cluster           instead: the NATS fault tests (test/nats-elections.test.ts and
 *                     test/nats-rolling-restart.test.ts) on a real 3-node nats-server
 *                     cluster, longer: each node role killed 3 times per run, a session
 *                     every 100 ms (CHAOS_CLUSTER_ROUNDS, CHAOS_CLUSTER_EVERY_MS)
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const FILES = {
  sessions: 'test/chaos-sessions.test.ts',
  processes: 'test/chaos-processes.test.ts',
  durable: 'test/chaos-durable.test.ts',
};
const CLUSTER_FILES = ['test/nats-elections.test.ts', 'test/nats-rolling-restart.test.ts'];

function usage(message) {
  console.error(`${message}\n`);
  console.error(
    'Usage: npm run chaos -- [--seed N] [--runs N] [--sessions N] [--process-sessions N] [--durable-sessions N] [--only sessions|processes|durable] [--cluster]',
  );
  process.exit(2);
}

function parse() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        seed: { type: 'string' },
        runs: { type: 'string', default: '5' },
        sessions: { type: 'string', default: '10000' },
        'process-sessions': { type: 'string', default: '200' },
        'durable-sessions': { type: 'string', default: '1000' },
        only: { type: 'string' },
        cluster: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    usage(error.message);
  }
  if (values.help) usage('Runs the chaos tests over several seeds.');
  const integer = (name, text, min) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > 0xffffffff) {
      usage(`--${name} must be an integer from ${min}, got "${text}"`);
    }
    return value;
  };
  if (values.only !== undefined && !(values.only in FILES)) {
    usage(`--only must be "sessions", "processes" or "durable", got "${values.only}"`);
  }
  return {
    // A fresh seed each time explores new interleavings; it is printed, so any run replays.
    seed:
      values.seed === undefined
        ? Math.floor(Math.random() * 0x100000000)
        : integer('seed', values.seed, 0),
    runs: integer('runs', values.runs, 1),
    sessions: integer('sessions', values.sessions, 1),
    processSessions: integer('process-sessions', values['process-sessions'], 1),
    durableSessions: integer('durable-sessions', values['durable-sessions'], 1),
    files: values.cluster
      ? CLUSTER_FILES
      : values.only === undefined
        ? Object.values(FILES)
        : [FILES[values.only]],
    only: values.only,
    cluster: values.cluster === true,
  };
}

/** One vitest run for one seed; resolves with its exit code and whole output. */
function runSeed(seed, options) {
  const child = spawn(process.execPath, [vitest, 'run', ...options.files], {
    cwd: root,
    env: {
      ...process.env,
      CHAOS_SEED: String(seed),
      CHAOS_SESSIONS: String(options.sessions),
      CHAOS_PROCESS_SESSIONS: String(options.processSessions),
      CHAOS_DURABLE_SESSIONS: String(options.durableSessions),
      ...(options.cluster ? { CHAOS_CLUSTER_ROUNDS: '3', CHAOS_CLUSTER_EVERY_MS: '100' } : {}),
      CHAOS_REPORT: '1',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? signal, output }));
  });
}

function replayCommand(seed, options) {
  const only = options.only === undefined ? '' : ` --only ${options.only}`;
  if (options.cluster) return `npm run chaos -- --cluster --runs 1`;
  return `npm run chaos -- --seed ${seed} --runs 1 --sessions ${options.sessions} --process-sessions ${options.processSessions} --durable-sessions ${options.durableSessions}${only}`;
}

const options = parse();
console.log(
  `chaos: ${options.runs} run(s) from seed ${options.seed}: ${options.sessions} sessions, ${options.processSessions} process sessions, ${options.durableSessions} durable sessions per run`,
);
const failed = [];
const started = performance.now();
for (let run = 0; run < options.runs; run++) {
  const seed = (options.seed + run) >>> 0;
  const runStarted = performance.now();
  const { code, output } = await runSeed(seed, options);
  const seconds = ((performance.now() - runStarted) / 1000).toFixed(1);
  // The tests print one summary line each: `seed N: ...`.
  const summaries = output
    .split('\n')
    .filter((line) => line.startsWith(`seed ${seed}:`))
    .map((line) => `    ${line}`);
  if (code === 0) {
    console.log(`  seed ${seed}: ok in ${seconds} s`);
    for (const line of summaries) console.log(line);
  } else {
    failed.push(seed);
    console.log(`  seed ${seed}: FAILED (exit ${code}) in ${seconds} s\n`);
    console.log(output);
    console.log(`  replay: ${replayCommand(seed, options)}\n`);
  }
}
const total = ((performance.now() - started) / 1000).toFixed(1);
if (failed.length > 0) {
  console.log(
    `chaos: ${failed.length} of ${options.runs} run(s) failed, seeds ${failed.join(', ')} (${total} s)`,
  );
  for (const seed of failed) console.log(`  ${replayCommand(seed, options)}`);
  process.exit(1);
}
console.log(`chaos: all ${options.runs} run(s) passed (${total} s)`);
