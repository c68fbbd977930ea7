/**
 * `npm run bench`: every scenario against its baseline, measured in the same
 * run, as one table (or JSON).
 *
 *   node bench/run.mjs [--quick] [--json] [--out file] [--only churn,restart] [--strict]
 *
 * --quick   smaller sizes and shorter sampling (about 1½ minutes in all)
 * --json    print the results as JSON on stdout instead of the table
 * --out     also write the JSON (with every detail figure) to this file
 * --only    run these scenarios only (file names in bench/scenarios); cluster-faults
 *           (NATS nodes killed, several minutes) runs only when named here
 * --strict  exit 1 when a target is missed
 *
 * Each scenario runs in its own Node process (see lib/child.mjs) with
 * --expose-gc and room for 100k sessions. Progress goes to stderr. After the
 * run the driver checks that no process started by the bench is left, and
 * that every scenario process exited on its own (one that does not has left
 * a timer or a handle behind).
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killAll, markedPids, runId } from './lib/leaks.mjs';
import { formatTable } from './lib/report.mjs';

const SCENARIOS = [
  'churn',
  'restart',
  'registry',
  'memory',
  'scale',
  'retention',
  'journal',
  'processes',
  'watchdog',
  'durable',
  'cluster',
  'dashboard',
  'dashboard-size',
  'telemetry',
  'cluster-faults',
];
/** Run only when named in --only: each kills NATS nodes for minutes. */
const OPT_IN = ['cluster-faults'];
const EXIT_GRACE_MS = 5000;

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const value = (name) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
};
const only = value('only')?.split(',') ?? SCENARIOS.filter((name) => !OPT_IN.includes(name));
const unknown = only.filter((name) => !SCENARIOS.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${SCENARIOS.join(', ')}.`);
  process.exit(2);
}

/** Runs one scenario in a fresh process; resolves with its rows and how it ended. */
function runScenario(name) {
  const child = fork(fileURLToPath(new URL('./lib/child.mjs', import.meta.url)), [name, ...args], {
    execArgv: ['--expose-gc', '--max-old-space-size=4096'],
    env: { ...process.env, XSTATE_OTP_BENCH_RUN: runId },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    let rows;
    let lingered = false;
    let timer;
    child.on('message', (message) => {
      rows = message.rows;
      timer = setTimeout(() => {
        lingered = true;
        child.kill('SIGKILL');
      }, EXIT_GRACE_MS);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ rows, code, signal, lingered });
    });
  });
}

// The machine may be shared: the load averages say how quiet it was.
const loadAtStart = loadavg()[0];
const started = performance.now();
const rows = [];
const problems = [];
for (const name of only) {
  console.error(`▸ ${name}`);
  const result = await runScenario(name);
  if (result.rows) rows.push(...result.rows);
  else problems.push(`scenario ${name} crashed (exit ${result.code ?? result.signal})`);
  if (result.lingered) {
    problems.push(`scenario ${name} did not exit within ${EXIT_GRACE_MS} ms of finishing`);
  }
}
const leaked = markedPids();
if (leaked.length > 0) {
  killAll(leaked);
  problems.push(`processes left behind by the bench (now killed): ${leaked.join(', ')}`);
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const seconds = ((performance.now() - started) / 1000).toFixed(0);
const load = `load ${loadAtStart.toFixed(1)} → ${loadavg()[0].toFixed(1)}`;
const report = { machine, load, quick: flag('quick'), seconds, rows, problems };
if (value('out')) {
  mkdirSync(dirname(resolve(value('out'))), { recursive: true });
  writeFileSync(value('out'), `${JSON.stringify(report, null, 2)}\n`);
}
if (flag('json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(`\n${machine}, ${load}${flag('quick') ? ', quick' : ''}, ${seconds} s\n`);
  console.log(formatTable(rows));
  for (const problem of problems) console.log(`\n! ${problem}`);
}
const missed = rows.some((r) => !r.pass);
if (problems.length > 0 || (flag('strict') && missed)) process.exitCode = 1;
