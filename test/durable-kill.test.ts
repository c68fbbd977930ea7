/**
 * Durable sessions against real kill -9s of real hosts (test/fixtures/durable-host.mjs):
 * acknowledged events survive, leftover processes die before a process
 * child is restarted with its `resumeInput`, and every session ends with
 * exactly one terminal record whatever instant the hosts were killed at.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSessionManager, type JournalRecord, type SessionManager } from '../src/index.js';
import { isPidAlive, waitForPidsGone } from '../src/testing/processes.js';
import { runCli } from './helpers/cli.js';
import { durableTypes } from './helpers/durable.js';
import { startDurableHost } from './helpers/durable-host.js';
import { killHostAndWatchdog } from './helpers/host-kill.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const readRecords = async (path: string): Promise<JournalRecord[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

const countOf = (manager: SessionManager, id: string) =>
  (manager.getChild(id, 'counter')!.getSnapshot() as { context: { count: number } }).context.count;

async function finishAll(manager: SessionManager, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    if (manager.getSession(id)?.outcome === undefined) {
      await manager.send(id, 'counter', { type: 'FINISH' });
    }
  }
  await vi.waitFor(
    () => expect(ids.filter((id) => manager.getSession(id)?.outcome === undefined)).toEqual([]),
    { timeout: 10_000, interval: 10 },
  );
}

async function tempJournal(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-durable-'));
  dirs.push(dir);
  return { dir, path: join(dir, 'journal.jsonl') };
}

describe('hand-off under load', () => {
  it('stop({ handOff: true }) while 20 sessions take events: every acknowledged event is kept, each resumes once', async () => {
    const { path } = await tempJournal();
    const ids = Array.from({ length: 20 }, (_, i) => `h${i}`);
    const first = await createSessionManager({ journal: path, sessionTypes: durableTypes });
    for (const id of ids) first.createSession({ id, type: 'counter' });
    const acked = new Map<string, number>();
    let total = 0;
    let stopped: Promise<void> | undefined;
    await Promise.all(
      ids.map(async (id) => {
        for (let i = 0; i < 1000; i++) {
          try {
            await first.send(id, 'counter', { type: 'INC' });
          } catch {
            return; // handed off: no longer here
          }
          acked.set(id, (acked.get(id) ?? 0) + 1);
          if (++total === 200) stopped = first.stop({ handOff: true });
        }
      }),
    );
    await stopped;
    expect((await readRecords(path)).filter((r) => r.type === 'terminal')).toEqual([]);

    const second = await createSessionManager({ journal: path, sessionTypes: durableTypes });
    for (const id of ids) {
      expect(second.getSession(id)).toMatchObject({ state: 'running', attempt: 2 });
      expect(countOf(second, id)).toBeGreaterThanOrEqual(acked.get(id) ?? 0);
    }
    await finishAll(second, ids);
    await second.stop();
    const terminals = (await readRecords(path)).filter((r) => r.type === 'terminal');
    expect(terminals.map((r) => r.sessionId).sort()).toEqual([...ids].sort());
    expect(new Set(terminals.map((r) => (r as { attempts?: number }).attempts))).toEqual(
      new Set([2]),
    );
  });
});

describe('durable sessions across kill -9', () => {
  it('an acknowledged event survives a kill -9; a process child is killed, then restarted with resumeInput(last)', async () => {
    const { dir, path } = await tempJournal();
    const log = join(dir, 'cli.log');
    const host = await startDurableHost({
      journal: path,
      type: 'agent',
      sessions: ['a1'],
      log,
      seed: 7,
    });
    await host.untilAcks(5);
    // With its watchdog too: nothing but the next run may kill the old process.
    const exited = new Promise((resolve) => host.child.once('exit', resolve));
    await killHostAndWatchdog(host.child.pid!);
    // Reaped by Node, so its pid no longer reads as the journal lock's live holder.
    await exited;
    const acked = host.acked.get('a1')!;
    expect(acked).toBeGreaterThanOrEqual(5);
    const [firstLine] = (await readFile(log, 'utf8')).trim().split('\n');
    const oldPid = Number(firstLine!.split(' ')[1]);
    expect(firstLine!.startsWith('fresh ')).toBe(true);
    // Its host gone, the journal shows it as the next run will find it: running, to be resumed.
    const listed = await runCli(['sessions', '--journal', path, '--json'], { cwd: tmpdir() });
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { id: 'a1', state: 'running', pending: true, attempt: 1 },
    ]);

    const manager = await createSessionManager({ journal: path, sessionTypes: durableTypes });
    // Gone before anything was restarted (its own watchdog, or this run's sweep).
    expect(isPidAlive(oldPid)).toBe(false);
    const count = countOf(manager, 'a1');
    expect(count).toBeGreaterThanOrEqual(acked);
    expect(manager.getSession('a1')).toMatchObject({ state: 'running', attempt: 2 });
    await vi.waitFor(
      async () => expect((await readFile(log, 'utf8')).trim().split('\n')).toHaveLength(2),
      { timeout: 5000, interval: 10 },
    );
    const second = (await readFile(log, 'utf8')).trim().split('\n')[1]!;
    expect(second.split(' ')[0]).toBe(`resumed:${count}`);
    const newPid = Number(second.split(' ')[1]);

    await finishAll(manager, ['a1']);
    expect(manager.getSession('a1')).toMatchObject({ outcome: 'completed', attempt: 2 });
    await manager.stop();
    await waitForPidsGone([newPid]);
    const terminals = (await readRecords(path)).filter((r) => r.type === 'terminal');
    expect(terminals).toMatchObject([{ sessionId: 'a1', outcome: 'completed', attempts: 2 }]);
  });

  it('kill -9 at seeded random instants over 30 sessions and 3 hosts: no acknowledged count lost, one terminal record each', async () => {
    const { path } = await tempJournal();
    const ids = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const acked = new Map<string, number>();
    let seed = 20261206;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let round = 0; round < 3; round++) {
      const host = await startDurableHost({
        journal: path,
        type: 'counter',
        sessions: ids,
        seed: round,
      });
      await host.untilAcks(20 + Math.floor(random() * 60));
      const exited = new Promise((resolve) => host.child.on('exit', resolve));
      host.child.kill('SIGKILL');
      await exited;
      for (const [id, count] of host.acked) acked.set(id, Math.max(acked.get(id) ?? 0, count));
    }

    const manager = await createSessionManager({ journal: path, sessionTypes: durableTypes });
    for (const id of ids) {
      expect(manager.getSession(id)).toMatchObject({ state: 'running', attempt: 4 });
      expect(countOf(manager, id)).toBeGreaterThanOrEqual(acked.get(id) ?? 0);
    }
    await finishAll(manager, ids);
    await manager.stop();

    const records = await readRecords(path);
    for (const id of ids) {
      const terminals = records.filter((r) => r.type === 'terminal' && r.sessionId === id);
      expect(terminals).toMatchObject([{ outcome: 'completed', attempts: 4 }]);
      const resumed = records.filter((r) => r.type === 'resumed' && r.sessionId === id);
      expect(resumed.map((r) => (r as { attempt?: number }).attempt)).toEqual([2, 3, 4]);
    }
    // A fourth open finds nothing to resume or close.
    const again = await createSessionManager({ journal: path, sessionTypes: durableTypes });
    expect(again.listSessions().filter((s) => s.outcome === undefined)).toEqual([]);
    await again.stop();
    expect(await readRecords(path)).toHaveLength(records.length);

    // `xstate-otp sessions` shows the attempts.
    const shown = await runCli(['sessions', '--journal', path], { cwd: tmpdir() });
    const [header, first] = shown.stdout.split('\n');
    expect(header).toMatch(/SESSION\s+STATE\s+RESTARTS\s+ATTEMPTS\s+CREATED/);
    expect(first).toMatch(/^s0\s+completed\s+0\s+4\s/);
  });
});
