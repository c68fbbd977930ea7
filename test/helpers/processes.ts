/**
 * Shared by the process tests: start a `fromProcess` actor, learn its pids,
 * await its end, and make sure every pid a test saw is gone afterwards.
 */
import { afterEach, expect } from 'vitest';
import { type Actor, createActor, type InspectionEvent } from 'xstate';
import type { ProcessExitError } from '../../src/ground/errors.js';
import { fromProcess, type processMachine } from '../../src/process/fromProcess.js';
import type { ProcessInput, ProcessOutput } from '../../src/process/processTypes.js';
import {
  killPids,
  type ProcessWatch,
  waitForPidsGone,
  watchProcess,
} from '../../src/testing/processes.js';

export type Ended =
  | { status: 'done'; output: ProcessOutput; state: unknown }
  | { status: 'error'; error: ProcessExitError; state: unknown };

export interface Started {
  actor: Actor<typeof processMachine>;
  watch: ProcessWatch;
  ended: Promise<Ended>;
}

const seen = new Set<number>();

/** Starts a process actor; every pid it reveals is checked by `expectAllGone`. */
export function startProcess(input: ProcessInput): Started {
  const actor = createActor(fromProcess(), { input });
  const watch = watchProcess(actor);
  const ended = new Promise<Ended>((resolve) => {
    actor.subscribe({
      complete: () => {
        const snapshot = actor.getSnapshot();
        resolve({
          status: 'done',
          output: snapshot.output as ProcessOutput,
          state: snapshot.value,
        });
      },
      error: (error) =>
        resolve({
          status: 'error',
          error: error as ProcessExitError,
          state: actor.getSnapshot().value,
        }),
    });
  });
  actor.on('process.started', ({ pid }) => seen.add(pid));
  actor.on('process.output', ({ line }) => {
    const match = /^pid:(\d+)$/.exec(line);
    if (match) seen.add(Number(match[1]));
  });
  actor.start();
  return { actor, watch, ended };
}

/** Remembers pids learnt some other way (a host process's output). */
export function trackPids(pids: Iterable<number>): void {
  for (const pid of pids) seen.add(pid);
}

/** Every pid seen during the test must be gone (bounded wait); survivors are killed and reported. */
export async function expectAllGone(timeoutMs = 3000): Promise<void> {
  const pids = [...seen];
  seen.clear();
  try {
    await waitForPidsGone(pids, { timeoutMs });
  } catch (error) {
    killPids(pids);
    throw error;
  }
}

/** Registers the after-each check in the calling test file. */
export function checkPidsAfterEach(): void {
  afterEach(async () => {
    await expectAllGone();
  });
}

export function expectError(ended: Ended): ProcessExitError {
  expect(ended.status).toBe('error');
  if (ended.status !== 'error') throw new Error('unreachable');
  return ended.error;
}

export function expectOutput(ended: Ended): ProcessOutput {
  if (ended.status !== 'done') throw ended.error;
  return ended.output;
}

/** Collects the pid of every process actor a system runs, from its snapshots (pass `inspect` to it). */
export function pidCollector() {
  const pids = new Set<number>();
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot') return;
    const pid = (event.snapshot as { context?: { pid?: unknown } }).context?.pid;
    if (typeof pid === 'number') pids.add(pid);
  };
  return { pids, inspect };
}
