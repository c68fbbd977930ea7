/**
 * Scenario 5, scale: the cost of one session create + terminate while 1,000,
 * 10,000 and 100,000 idle sessions stay live in the same manager. Flat means
 * no operation does work proportional to the number of sessions.
 *
 * Each level runs in its own process (its own heap: a level's figure must
 * not pay for another level's garbage), and the levels alternate, 1k → 100k
 * → 10k → 1k → 100k → 1k, with the median kept per level: the load of a
 * shared machine drifts over the minute this takes, and measuring the levels
 * in one growing process would charge that drift to the largest level. A
 * level process warms the JIT on an empty manager, creates the idle
 * sessions, then times three rounds of create + terminate (awaiting `done`,
 * so the terminal record is written); the middle one counts. The 1k figure is
 * the baseline. With --quick the top level is 30,000. The details split off
 * the time V8 spent collecting garbage. BENCH_PROFILE_DIR=<dir> writes a CPU
 * profile of each level's measured rounds.
 */
import { fork } from 'node:child_process';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpuProfiler } from '../lib/cpuProfile.mjs';
import { createSessionManager } from '../lib/library.mjs';
import { idleChild, sessionSpec } from '../lib/machines.mjs';
import { drain, median, quick, settledHeap } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const TOP = quick ? 30_000 : 100_000;
const SEQUENCE = [1_000, TOP, 10_000, 1_000, TOP, 1_000];
const OPS = quick ? 500 : 2_000;
const ROUNDS = 3;

/** Sums the time V8 spends collecting garbage, in all and in full (mark-compact) collections. */
function gcClock() {
  const ms = { all: 0, major: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      ms.all += entry.duration;
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) ms.major += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { read: () => ({ ...ms }), stop: () => observer.disconnect() };
}

/** µs per create+terminate, and how much of it was garbage collection. */
async function churnRound(manager, spec, gc) {
  const before = gc.read();
  const start = performance.now();
  for (let i = 0; i < OPS; i++) {
    const session = manager.createSession(spec);
    await manager.terminateSession(session.id);
  }
  const elapsed = performance.now() - start;
  // GC entries are delivered asynchronously: let them arrive before reading.
  await drain();
  const after = gc.read();
  const perOp = (ms) => (ms * 1000) / OPS;
  return {
    us: perOp(elapsed),
    gcUs: perOp(after.all - before.all),
    majorGcUs: perOp(after.major - before.major),
  };
}

/** One level, in this process: µs per operation and the GC share, median of three rounds. */
async function measureLevel(level) {
  const manager = await createSessionManager();
  const spec = sessionSpec(idleChild);
  const gc = gcClock();
  const profiler = await cpuProfiler();
  // Warm the JIT first (10 rounds: as warm as a process that just created
  // 100k sessions), or the small levels would include compilation.
  for (let r = 0; r < 10; r++) await churnRound(manager, spec, gc);
  for (let live = 1; live <= level; live++) {
    manager.createSession(spec);
    // Yield now and then so journal appends and promise jobs keep up.
    if (live % 1000 === 0) await drain();
  }
  await settledHeap();
  await churnRound(manager, spec, gc); // warm-up at this size
  const rounds = [];
  await profiler.start();
  for (let r = 0; r < ROUNDS; r++) rounds.push(await churnRound(manager, spec, gc));
  await profiler.stop(`scale-${level}`);
  gc.stop();
  // No stop(): the process ends here, and the memory scenario times stop().
  return {
    level,
    us: median(rounds.map((round) => round.us)),
    gcUs: median(rounds.map((round) => round.gcUs)),
    majorGcUs: median(rounds.map((round) => round.majorGcUs)),
  };
}

/** Runs `measureLevel(level)` in a fresh process (through lib/child.mjs). */
function levelInChildProcess(level) {
  const child = fork(fileURLToPath(new URL('../lib/child.mjs', import.meta.url)), ['scale'], {
    execArgv: process.execArgv,
    env: { ...process.env, BENCH_SCALE_LEVEL: String(level) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result;
    child.on('message', (message) => {
      result = message.rows[0];
    });
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`scale level ${level} exited ${code}`)),
    );
  });
}

export async function run() {
  const level = process.env.BENCH_SCALE_LEVEL;
  if (level) return [await measureLevel(Number(level))];

  const byLevel = {};
  for (const next of SEQUENCE) {
    const result = await levelInChildProcess(next);
    byLevel[next] = [...(byLevel[next] ?? []), result];
    console.error(
      `  scale: ${next} live → ${result.us.toFixed(1)} µs/op, of which GC ${result.gcUs.toFixed(1)} (full GCs ${result.majorGcUs.toFixed(1)})`,
    );
  }
  const summary = (pick) =>
    Object.fromEntries(
      Object.entries(byLevel).map(([n, results]) => [n, median(results.map(pick))]),
    );
  const perLevel = summary((result) => result.us);
  const gcPerLevel = summary((result) => result.gcUs);
  const label = (n) => `${n / 1000}k`;
  return [10_000, TOP].map((n) =>
    row({
      scenario: `scale: create+terminate @${label(n)} live`,
      ours: perLevel[n],
      baseline: perLevel[1_000],
      unit: 'µs/session',
      baselineName: 'the same at 1k live sessions',
      target: n === TOP ? { ratioMax: 1.3 } : {},
      details: { perLevel, gcPerLevel, runs: byLevel },
    }),
  );
}
