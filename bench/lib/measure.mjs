/**
 * Measuring helpers shared by the scenarios.
 *
 * Micro-benchmarks go through tinybench (warm-up, many samples, mean latency
 * that includes the garbage collection the work causes). Work that is far
 * below the timer's resolution is batched: one task call does `batch`
 * operations and the figure is divided back.
 */
import { Bench } from 'tinybench';

export const quick = process.argv.includes('--quick');

/**
 * BENCH_CLOCK=cpu times micro-benchmarks by this process's CPU time (all its
 * threads, GC helpers included) instead of wall time: steadier on a machine
 * shared with other work, for comparing two builds. Default: wall time.
 */
const cpuClock = process.env.BENCH_CLOCK === 'cpu';
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** `full` normally, `small` with --quick. */
export const size = (full, small) => (quick ? small : full);

/**
 * Mean µs per operation for each task. The tasks are measured in several
 * short tinybench runs that alternate their order, and the median per task is
 * kept: on a shared 2-core machine the background load changes from second to
 * second, and interleaving makes both sides of a comparison see the same load.
 * `clock: 'cpu'` times this process's CPU instead of wall time for one
 * scenario (BENCH_CLOCK=cpu does it for all). A task is a function, or
 * `{ run, before, after }` with hooks around each of its runs (to set up
 * what only that task measures, such as a subscriber).
 */
export async function microseconds(
  tasks,
  { time = size(3000, 900), batch = 1, rounds = 5, clock = cpuClock ? 'cpu' : 'wall' } = {},
) {
  // BENCH_TASK=<name> runs that task only: for profiling one side of a comparison.
  const only = process.env.BENCH_TASK;
  const entries = Object.entries(tasks).filter(([name]) => !only || only === name);
  const samples = Object.fromEntries(entries.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: time / rounds,
      warmupTime: round === 0 ? size(500, 200) : 50,
      throws: true,
      ...(clock === 'cpu' ? { now: cpuNow } : {}),
    });
    const ordered = round % 2 === 0 ? entries : [...entries].reverse();
    // A full GC before each task: otherwise one task pays for the garbage
    // (and the old-space growth) the previous one left behind.
    for (const [name, task] of ordered) {
      const { run, before, after } = typeof task === 'function' ? { run: task } : task;
      bench.add(name, run, {
        beforeAll: () => {
          before?.();
          globalThis.gc?.();
        },
        ...(after ? { afterAll: after } : {}),
      });
    }
    await bench.run();
    for (const task of bench.tasks) samples[task.name].push((task.result.period * 1000) / batch);
  }
  return Object.fromEntries(Object.entries(samples).map(([name, us]) => [name, median(us)]));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Wall-clock ms of an async function. */
export async function elapsedMs(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Retained heap after a full collection. Several rounds because one GC can
 * leave finalizer-held objects for the next; `--expose-gc` is required.
 */
export async function settledHeap() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  for (let round = 0; round < 4; round++) {
    globalThis.gc();
    // Let promise callbacks and FinalizationRegistry jobs run between rounds.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Lets every queued microtask and immediate run (e.g. pending memory-journal appends). */
export const drain = () => new Promise((resolve) => setImmediate(resolve));
