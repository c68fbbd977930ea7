/**
 * Ctrl-C mid-demo: every process of the run dies with the demo, no outcome
 * is written, and the next run reconciles the cut sessions as interrupted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findMarkedProcesses,
  killPids,
  SESSION_MARKER_ENV,
  waitForPidsGone,
} from '../src/testing/index.js';
import { ensureBuilt, runCli, startCli } from './helpers/cli.js';

const NAMES = ['build', 'flaky', 'crash', 'cancel', 'slow', 'daemon'];
/** Processes per session once its tree is up: the daemon session's agent has a setsid child. */
const TREE_SIZE: Record<string, number> = { daemon: 2 };

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'xstate-otp-interrupt-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Polls /proc until every session of the run has its whole tree up (bounded). */
async function treesOf(ids: string[]): Promise<number[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const trees = ids.map((id) => findMarkedProcesses({ name: SESSION_MARKER_ENV, value: id }));
    if (trees.every((pids, i) => pids.length >= (TREE_SIZE[NAMES[i]!] ?? 1))) return trees.flat();
    if (Date.now() > deadline) throw new Error(`process trees not up: ${JSON.stringify(trees)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Ctrl-C mid-demo (built)', () => {
  it('kills every process, writes no outcome, and the next run records the sessions as interrupted', async () => {
    // A slow pace: nothing ends on its own for 9 s (the flaky agent's first exit).
    const demo = startCli(['demo', '--pace', '10'], { cwd: dir });
    const ids = NAMES.map((name) => `run1-${name}`);
    await demo.waitForLine((line) => /run1-daemon\s+running/.test(line));
    let pids: number[] = [];
    try {
      pids = await treesOf(ids);
      expect(pids.length).toBe(7);
      demo.child.kill('SIGINT');
      const result = await demo.exited;
      expect(result.code).toBe(130);
      expect(result.stdout).toContain('Interrupted: 6 sessions cut short');
      await waitForPidsGone(pids, { timeoutMs: 2000 });
    } finally {
      demo.child.kill('SIGKILL');
      killPids(pids);
    }
    for (const id of ids) {
      expect(findMarkedProcesses({ name: SESSION_MARKER_ENV, value: id })).toEqual([]);
    }

    // No terminal record was written: read-only, the sessions wait for reconciliation.
    const journalPath = join(dir, '.xstate-otp', 'journal.jsonl');
    const journal = readFileSync(journalPath, 'utf8');
    expect(journal).not.toContain('"type":"terminal"');
    const pending = JSON.parse((await runCli(['sessions', '--json'], { cwd: dir })).stdout);
    expect(pending.map((row: { id: string }) => row.id)).toEqual(ids);
    for (const row of pending) expect(row).toMatchObject({ state: 'interrupted', pending: true });

    // The next run reconciles them (taking over the lock the dead run left).
    const next = await runCli(['demo', '--fast'], { cwd: dir });
    expect(next.code).toBe(0);
    expect(next.stdout).toContain(
      `6 of them (${ids.join(', ')}) had no outcome: their run was cut short, so this start recorded them as interrupted.`,
    );
    expect(next.stdout).toContain('Run run2 finished');
    const rows = JSON.parse((await runCli(['sessions', '--json'], { cwd: dir })).stdout);
    expect(rows.slice(0, 6)).toEqual(
      ids.map((id) =>
        expect.objectContaining({
          id,
          state: 'interrupted',
          outcome: 'interrupted',
          reason: 'the host stopped before the session ended',
        }),
      ),
    );
    expect(rows.slice(0, 6).some((row: { pending?: boolean }) => row.pending)).toBe(false);
  });
});
