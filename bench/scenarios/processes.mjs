/**
 * Scenario 7, processes.
 *
 * Throughput: 50 sessions, each running the fixture program once through
 * `fromProcess` (a significant child, so the session completes when it
 * exits 0), all at once, timed until the last `done`. Baseline: 50 bare
 * `execa` calls of the same program, at once. Rounds alternate; medians.
 *
 * Shutdown: 50 sessions whose program ignores SIGTERM, `forceKillAfterMs`
 * 500; once every one has announced it is up, `manager.stop()` is timed
 * until it resolves (every session cancelled, every process gone). Baseline:
 * 50 bare execa subprocesses with `forceKillAfterDelay: 500`, killed at once.
 * The details also give the operating system's floor (plain child_process,
 * SIGKILL from a 500 ms timer): what reaping 50 Node processes costs here.
 *
 * Every program carries the bench marker (see leaks.mjs); after each part
 * the scenario checks that none is left and fails the row if one is.
 */
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { benchEnv, killAll, markedPids } from '../lib/leaks.mjs';
import { createSessionManager, fixtureCommand, fromProcess } from '../lib/library.mjs';
import { sessionSpec } from '../lib/machines.mjs';
import { elapsedMs, median, quick } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const PROCESSES = 50;
const ROUNDS = quick ? 2 : 3;
const FORCE_KILL_MS = 500;

const trivial = fixtureCommand({ stdout: 'hello' });
const stubborn = fixtureCommand({ mode: 'hang', ignoreSigterm: true, announce: true });

/** Pids still alive from this run, killed so nothing outlives the bench. */
function leftovers() {
  const pids = markedPids();
  killAll(pids);
  return pids;
}

async function bareRound() {
  return elapsedMs(() =>
    Promise.all(
      Array.from({ length: PROCESSES }, () =>
        execa(trivial.command, trivial.args, { env: benchEnv }),
      ),
    ),
  );
}

async function sessionsRound(manager) {
  const input = { ...trivial, env: benchEnv };
  const spec = sessionSpec(fromProcess(), { significant: true, input });
  let records;
  const ms = await elapsedMs(async () => {
    const sessions = Array.from({ length: PROCESSES }, () => manager.createSession(spec));
    records = await Promise.all(sessions.map((session) => session.done));
  });
  const failed = records.find((record) => record.outcome !== 'completed');
  if (failed) throw new Error(`a process session ended ${failed.outcome}: ${failed.reason}`);
  return ms;
}

async function throughput() {
  const manager = await createSessionManager();
  const bare = [];
  const ours = [];
  await bareRound(); // warm-up: the page cache, execa's own modules
  await sessionsRound(manager);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first: the second of a pair runs on a warmer machine.
    if (round % 2 === 0) bare.push(await bareRound());
    ours.push(await sessionsRound(manager));
    if (round % 2 === 1) bare.push(await bareRound());
  }
  await manager.stop();
  const leaked = leftovers();
  return row({
    scenario: `processes: ${PROCESSES} concurrent sessions`,
    ours: median(ours),
    baseline: median(bare),
    unit: 'ms wall',
    baselineName: `${PROCESSES} concurrent bare execa calls`,
    target: { ratioMax: 1.15 },
    details: { rounds: { ours, bare }, leaked },
    failure: leaked.length > 0 ? `${leaked.length} process(es) left behind` : undefined,
  });
}

/** Resolves once the fixture printed its `pid:` line (signal handlers installed). */
function announced(subscribe) {
  return new Promise((resolve) => {
    const off = subscribe((line) => {
      if (line.startsWith('pid:')) {
        off();
        resolve();
      }
    });
  });
}

async function bareShutdown() {
  const subprocesses = Array.from({ length: PROCESSES }, () =>
    execa(stubborn.command, stubborn.args, {
      env: benchEnv,
      forceKillAfterDelay: FORCE_KILL_MS,
      reject: false,
    }),
  );
  await Promise.all(
    subprocesses.map((subprocess) =>
      announced((listen) => {
        const onData = (chunk) => listen(String(chunk));
        subprocess.stdout.on('data', onData);
        return () => subprocess.stdout.off('data', onData);
      }),
    ),
  );
  return elapsedMs(() => {
    for (const subprocess of subprocesses) subprocess.kill();
    return Promise.all(subprocesses);
  });
}

/**
 * The operating system's own floor: plain child_process children, SIGTERM,
 * then SIGKILL from a 500 ms timer, until the last exit event. No library.
 */
async function floorShutdown() {
  const children = Array.from({ length: PROCESSES }, () =>
    spawn(stubborn.command, stubborn.args, {
      env: { ...process.env, ...benchEnv },
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  );
  await Promise.all(
    children.map((child) =>
      announced((listen) => {
        const onData = (chunk) => listen(String(chunk));
        child.stdout.on('data', onData);
        return () => child.stdout.off('data', onData);
      }),
    ),
  );
  return elapsedMs(() => {
    const exited = children.map((child) => new Promise((resolve) => child.on('exit', resolve)));
    for (const child of children) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const child of children) child.kill('SIGKILL');
    }, FORCE_KILL_MS);
    return Promise.all(exited).finally(() => clearTimeout(timer));
  });
}

async function sessionsShutdown() {
  const manager = await createSessionManager();
  const input = { ...stubborn, env: benchEnv, forceKillAfterMs: FORCE_KILL_MS };
  const spec = sessionSpec(fromProcess(), { significant: true, input });
  const sessions = Array.from({ length: PROCESSES }, () => manager.createSession(spec));
  await Promise.all(
    sessions.map((session) =>
      announced((listen) => {
        const subscription = manager
          .getChild(session.id, 'work')
          .on('process.output', (event) => listen(event.line));
        return () => subscription.unsubscribe();
      }),
    ),
  );
  return elapsedMs(() => manager.stop());
}

async function shutdown() {
  const floor = await floorShutdown();
  const bare = await bareShutdown();
  const ours = await sessionsShutdown();
  const leaked = leftovers();
  return row({
    scenario: `processes: stop ${PROCESSES} ignoring SIGTERM`,
    ours,
    baseline: bare,
    unit: 'ms wall',
    baselineName: `${PROCESSES} bare execa, forceKillAfterDelay ${FORCE_KILL_MS}, kill()`,
    target: { oursMax: 600 },
    details: { leaked, forceKillAfterMs: FORCE_KILL_MS, floorMs: floor },
    failure: leaked.length > 0 ? `${leaked.length} process(es) left behind` : undefined,
  });
}

export async function run() {
  return [await throughput(), await shutdown()];
}
