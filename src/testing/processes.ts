/**
 * Pid helpers for tests that spawn processes: learn every pid of a tree from
 * a `fromProcess` actor, and check afterwards that each one is gone.
 *
 * ```ts
 * const actor = createActor(fromProcess(), { input: fixtureCommand({ mode: 'hang', announce: true, spawn: [{ setsid: true }] }) });
 * const watch = watchProcess(actor);
 * actor.start();
 * const pids = await watch.waitForAnnounced(2); // daemon, then root: all up
 * actor.stop();
 * await waitForPidsGone(pids);               // rejects naming the survivors
 * ```
 */
import type { AnyActorRef } from 'xstate';
import { errorMessage } from '../ground/errorMessage.js';
import { isProcessAlive } from '../process/procfs.js';

/**
 * True while `pid` is a running process. A zombie (exited, not yet reaped by
 * its parent) counts as gone: containers whose init never reaps keep those.
 */
export function isPidAlive(pid: number): boolean {
  return isProcessAlive(pid);
}

export interface WaitOptions {
  /** Give up (reject) after this many ms. Default 5000. */
  timeoutMs?: number;
  /** Poll interval. Default 10 ms. */
  intervalMs?: number;
}

/** Resolves once none of `pids` is alive; rejects after `timeoutMs` naming those that are. */
export async function waitForPidsGone(
  pids: Iterable<number>,
  options: WaitOptions = {},
): Promise<void> {
  const list = [...pids];
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const alive = list.filter(isPidAlive);
    if (alive.length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `Processes still alive after ${options.timeoutMs ?? 5000} ms: ${alive.join(', ')}. ` +
          'A process tree was not fully killed.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}

/** Kills whatever of `pids` is still alive (test cleanup after a failure). */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export interface ProcessWatch {
  /** Root pid, from `process.started`. */
  readonly pid: number | undefined;
  /** Pids announced by `pid:<n>` lines (the fixture's `announce`), in order. */
  readonly announced: readonly number[];
  /** The root pid and every announced one. */
  readonly pids: ReadonlySet<number>;
  /** The latest lines (at most `keepLines`). */
  readonly lines: readonly { stream: 'stdout' | 'stderr'; line: string }[];
  /**
   * Resolves with the announced pids once there are `count` of them. With the
   * fixture, the root announces last: `1 + countDescendants(spawn)` means the
   * whole tree is up, signal handlers installed.
   */
  waitForAnnounced(count: number): Promise<number[]>;
  /** Resolves with the first line (seen or to come) matching `predicate`. */
  waitForLine(predicate: (line: string) => boolean): Promise<string>;
  /** Stops listening. */
  unsubscribe(): void;
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Listens to a `fromProcess` actor's `process.started` and `process.output`
 * events. Call before `start()` so nothing is missed. A wait still pending
 * when the actor ends rejects (with the actor's error, if it failed); the
 * watch observes that error, so a failing root actor does not crash the test
 * process. Only the latest `keepLines` lines are kept (default 10 000).
 */
export function watchProcess(
  actor: AnyActorRef,
  options: { keepLines?: number } = {},
): ProcessWatch {
  const keepLines = options.keepLines ?? 10_000;
  const pids = new Set<number>();
  const announced: number[] = [];
  let rootPid: number | undefined;
  const lines: { stream: 'stdout' | 'stderr'; line: string }[] = [];
  let waiters: Waiter[] = [];
  const settle = () => {
    waiters = waiters.filter((waiter) => {
      if (!waiter.ready()) return true;
      waiter.resolve();
      return false;
    });
  };
  const started = actor.on('process.started', (event: { pid: number }) => {
    rootPid = event.pid;
    pids.add(event.pid);
    settle();
  });
  const output = actor.on(
    'process.output',
    (event: { stream: 'stdout' | 'stderr'; line: string }) => {
      lines.push({ stream: event.stream, line: event.line });
      if (lines.length > 2 * keepLines) lines.splice(0, lines.length - keepLines);
      const match = /^pid:(\d+)$/.exec(event.line);
      if (match) {
        announced.push(Number(match[1]));
        pids.add(Number(match[1]));
      }
      settle();
    },
  );
  let ended: Error | undefined;
  const end = (error: Error) => {
    ended = error;
    for (const waiter of waiters) waiter.reject(error);
    waiters = [];
  };
  const lifecycle = actor.subscribe({
    complete: () => end(new Error('The process actor completed before the awaited output.')),
    error: (error) =>
      end(
        new Error(`The process actor failed before the awaited output: ${errorMessage(error)}`, {
          cause: error,
        }),
      ),
  });
  const wait = <T>(ready: () => boolean, value: () => T) =>
    new Promise<T>((resolve, reject) => {
      waiters.push({ ready, resolve: () => resolve(value()), reject });
      settle();
      if (ended && waiters.length > 0) end(ended);
    });
  return {
    get pid() {
      return rootPid;
    },
    announced,
    pids,
    lines,
    waitForAnnounced: (count) =>
      wait(
        () => announced.length >= count,
        () => [...announced],
      ),
    waitForLine: (predicate) =>
      wait(
        () => lines.some(({ line }) => predicate(line)),
        () => lines.find(({ line }) => predicate(line))?.line ?? '',
      ),
    unsubscribe() {
      started.unsubscribe();
      output.unsubscribe();
      lifecycle.unsubscribe();
    },
  };
}
