/**
 * No orphan at any kill instant: a host that is creating process sessions is
 * killed with SIGKILL at several instants, including right after a burst of
 * `createSession` calls whose `created` records cannot have reached the disk
 * yet. Reconciliation by the next manager on the same journal must leave no
 * process of that journal alive, and close every recorded session once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, test } from 'vitest';
import { createSessionManager, type JournalRecord } from '../src/index.js';
import { journalScope } from '../src/journal/index.js';
import { SCOPE_MARKER_ENV, sweepScopeProcesses } from '../src/process/index.js';
import { findMarkedProcesses } from '../src/testing/index.js';
import { isPidAlive } from '../src/testing/processes.js';
import { killHostAndWatchdog } from './helpers/host-kill.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Starts the creating host and resolves once it printed `line`; returns the child. */
async function hostUntil(journal: string, burst: number, line: string): Promise<ChildProcess> {
  const host = spawn(
    process.execPath,
    [
      '--import',
      join(fixtures, 'register-ts.mjs'),
      join(fixtures, 'creating-host.mjs'),
      journal,
      String(burst),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: host.stdout! });
    lines.on('line', (text) => {
      if (text === line) resolve();
    });
    host.on('exit', (code, signal) => reject(new Error(`host exited early: ${code ?? signal}`)));
  });
  return host;
}

/** SIGKILLs the host with its watchdog: nothing else kills its processes, reconciliation must. */
async function kill(host: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => host.once('exit', (_, signal) => resolve(signal)));
  await killHostAndWatchdog(host.pid!);
  expect(await exited).toBe('SIGKILL');
}

const records = async (path: string): Promise<JournalRecord[]> =>
  (await readFile(path, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalRecord);

describe('kill -9 while creating process sessions', () => {
  test.each([
    {
      burst: 10,
      at: 'burst 10',
      why: 'right after ten createSession calls, nothing journaled yet',
    },
    { burst: 0, at: 'created s2', why: 'early, a few sessions in' },
    { burst: 0, at: 'created s17', why: 'mid-run' },
    { burst: 4, at: 'created s40', why: 'later, after a burst' },
  ])('$why: reconciliation leaves no process of the journal', async ({ burst, at }) => {
    const dir = await mkdtemp(join(tmpdir(), 'xotp-orphans-'));
    const journal = join(dir, 'journal.jsonl');
    const scope = journalScope(journal);
    const marker = { name: SCOPE_MARKER_ENV, value: scope };
    cleanups.push(async () => {
      await sweepScopeProcesses(scope, { forceKillAfterMs: 0 });
      await rm(dir, { recursive: true, force: true });
    });

    const host = await hostUntil(journal, burst, at);
    await kill(host);
    const leftovers = findMarkedProcesses(marker);
    // The dead host's processes outlived it: that is what reconciliation is for.
    expect(leftovers.length).toBeGreaterThan(0);

    const next = await createSessionManager({ journal });
    expect(findMarkedProcesses(marker)).toEqual([]);
    for (const pid of leftovers) expect(isPidAlive(pid)).toBe(false);

    // Every session the journal knows of is closed exactly once.
    const written = await records(journal);
    const created = new Set(written.filter((r) => r.type === 'created').map((r) => r.sessionId));
    const terminal = written.filter((r) => r.type === 'terminal').map((r) => r.sessionId);
    expect(new Set(terminal)).toEqual(created);
    expect(terminal).toHaveLength(created.size);
    await next.stop();
  });
});

describe('two managers on one machine, the same session ids, different journals', () => {
  test("reconciling one never touches the other's processes", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xotp-crosstalk-'));
    const journalA = join(dir, 'a.jsonl');
    const journalB = join(dir, 'b.jsonl');
    const scopes = [journalScope(journalA), journalScope(journalB)];
    cleanups.push(async () => {
      for (const scope of scopes) await sweepScopeProcesses(scope, { forceKillAfterMs: 0 });
      await rm(dir, { recursive: true, force: true });
    });
    const markerB = { name: SCOPE_MARKER_ENV, value: scopes[1]! };

    const hostA = await hostUntil(journalA, 0, 'created s5');
    const hostB = await hostUntil(journalB, 0, 'created s5');
    const runningB = findMarkedProcesses(markerB);
    expect(runningB.length).toBeGreaterThan(0);
    await kill(hostA);

    // A's successor reconciles: A's sessions s0.. are interrupted, B's s0.. keep running.
    const nextA = await createSessionManager({ journal: journalA });
    expect(nextA.getSession('s0')?.state).toBe('interrupted');
    for (const pid of runningB) expect(isPidAlive(pid)).toBe(true);
    // Ending a session here sweeps its marker too, and still spares B's `s0`.
    nextA.createSession({ id: 'fresh', children: [] });
    await nextA.terminateSession('fresh');
    await nextA.stop();
    for (const pid of runningB) expect(isPidAlive(pid)).toBe(true);

    await kill(hostB);
    const nextB = await createSessionManager({ journal: journalB });
    expect(findMarkedProcesses(markerB)).toEqual([]);
    await nextB.stop();
  });
});
