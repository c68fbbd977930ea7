/**
 * No process outlives its host by more than a second: a host running 50
 * process sessions (each a shell with a `setsid` daemon and a plain child,
 * over two session managers) dies by SIGKILL, SIGTERM or an uncaught
 * exception, and every one of its processes is gone within 1 s of the kill,
 * its watchdog soon after. A host with a lease (as a cluster host has) that
 * is stopped (SIGSTOP) loses its processes once its lease deadline has
 * passed, while it is still stopped, not before, each time it is stopped;
 * one whose deadline keeps moving keeps them, and so does one without a
 * lease. The bounds are deadlines on the outcome (polling `/proc`), not
 * sleeps.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { monotonicNowMs } from '../src/ground/monotonic.js';
import { createMemoryJournal } from '../src/journal/index.js';
import { journalStore } from '../src/manager/journalStore.js';
import { createProcessSweeper } from '../src/manager/processes.js';
import {
  holdLeaseDeadline,
  hostLeaseDeadlineMs,
  hostWatchdogPid,
} from '../src/process/hostWatchdog.js';
import { HOST_MARKER_ENV, treeMembers, WATCHDOG_MARKER_ENV } from '../src/process/markers.js';
import { hasProcfs, readRunState } from '../src/process/procfs.js';
import { isPidAlive, waitForPidsGone } from '../src/testing/processes.js';
import { checkPidsAfterEach, startProcess, trackPids } from './helpers/processes.js';

checkPidsAfterEach();

const fixtures = join(import.meta.dirname, 'fixtures');
const SESSIONS = 50;
/** The bound: the last process of a dead host is gone within this. */
const LAST_PROCESS_GONE_MS = 1000;
/** The watchdog gives up on a process stuck in the kernel after 2 s, then exits. */
const WATCHDOG_GONE_MS = 3000;
/** The lease of the paused-host tests (a cluster host's leaseMs, short). */
const LEASE_MS = 500;
/** Past the deadline, the watchdog looks at a running host again every 50 ms. */
const PAST_DEADLINE_POLL_MS = 50;
/**
 * The widest bracket around a kill that tells whether it came after the
 * deadline (the looks are back to back near the deadline; a wider one means
 * the test worker was descheduled then, and the round is looked at again).
 */
const BRACKET_MS = 25;
/** Pauses of the first paused-host test: until one bracket is narrow, at least two. */
const MAX_PAUSES = 5;

interface Tree {
  root: number;
  child: number;
  daemon: number;
}

interface Batch {
  watchdog: number;
  trees: Tree[];
  /** Every process of every session of the batch. */
  pids: number[];
}

interface Host extends Batch {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  output: () => string;
  /** Asks the host for another batch of sessions (`after: 'wait'` only). */
  more: () => Promise<Batch>;
  /** Renews the host's lease (`leaseMs` only): resolves with its new deadline (monotonic ms). */
  renew: () => Promise<number>;
}

function startHost(config: {
  sessions: number;
  managers?: number;
  after?: string;
  shell?: string;
  leaseMs?: number;
}) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(fixtures, 'register-ts.mjs'),
      join(fixtures, 'watchdog-host.mjs'),
      JSON.stringify(config),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<Awaited<Host['exited']>>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  // Each batch is a `watchdog:` line then a `pids:` line.
  const batches: Batch[] = [];
  const waiting: Array<(batch: Batch) => void> = [];
  const deadlineWaiting: Array<(deadline: number) => void> = [];
  let watchdogPid = Number.NaN;
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      // `undefined` when the host has no watchdog (a regression): NaN, checked by expectRunning.
      if (line.startsWith('watchdog:')) watchdogPid = Number(line.slice('watchdog:'.length));
      if (line.startsWith('deadline:')) {
        deadlineWaiting.shift()?.(Number(line.slice('deadline:'.length)));
      }
      if (!line.startsWith('pids:')) continue;
      const trees = JSON.parse(line.slice('pids:'.length)) as Tree[];
      const pids = trees.flatMap((tree) => [tree.root, tree.child, tree.daemon]);
      trackPids([...pids, ...(Number.isInteger(watchdogPid) ? [watchdogPid] : [])]);
      const batch = { watchdog: watchdogPid, trees, pids };
      const waiter = waiting.shift();
      if (waiter) waiter(batch);
      else batches.push(batch);
    }
  });
  trackPids([child.pid!]);
  const nextBatch = () =>
    new Promise<Batch>((resolve, reject) => {
      const ready = batches.shift();
      if (ready) return resolve(ready);
      waiting.push(resolve);
      void exited.then(({ code, signal }) =>
        reject(new Error(`host exited early (${code ?? signal}): ${stderr}`)),
      );
    });
  return nextBatch().then(
    (first): Host => ({
      ...first,
      child,
      exited,
      output: () => stdout,
      more: () => {
        child.stdin!.write('more\n');
        return nextBatch();
      },
      renew: () =>
        new Promise<number>((resolve, reject) => {
          deadlineWaiting.push(resolve);
          child.stdin!.write('renew\n');
          void exited.then(() => reject(new Error(`host exited early: ${stderr}`)));
        }),
    }),
  );
}

/** Fields of `/proc/<pid>/stat` after the command: state ppid pgrp session … */
function statOf(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The session id: a daemon that called setsid leads its own. */
const sessionOf = (pid: number) => Number(statOf(pid)[3]);
const groupOf = (pid: number) => Number(statOf(pid)[2]);
const parentOf = (pid: number) => Number(statOf(pid)[1]);

function expectRunning(host: Host): void {
  expect(host.trees).toHaveLength(SESSIONS);
  expect(host.pids.filter((pid) => !isPidAlive(pid))).toEqual([]);
  expect(Number.isInteger(host.watchdog) && isPidAlive(host.watchdog)).toBe(true);
  // The daemons really left: their own session, not the shell's.
  for (const tree of host.trees) {
    expect(sessionOf(tree.daemon)).toBe(tree.daemon);
    expect(sessionOf(tree.root)).not.toBe(tree.daemon);
  }
}

/** Every process of the host is gone within 1 s of `killedAt`, its watchdog soon after. */
async function expectGoneInTime(host: Host, killedAt: number): Promise<void> {
  const left = LAST_PROCESS_GONE_MS - (performance.now() - killedAt);
  await waitForPidsGone(host.pids, { timeoutMs: Math.max(0, left), intervalMs: 5 });
  await waitForPidsGone([host.watchdog], { timeoutMs: WATCHDOG_GONE_MS });
}

const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every daemon of the batch has left its shell's session (`setsid` runs after its pid is printed). */
async function daemonsDetached(batch: Batch): Promise<void> {
  const deadline = performance.now() + 2000;
  while (!batch.trees.every((tree) => sessionOf(tree.daemon) === tree.daemon)) {
    if (performance.now() > deadline) throw new Error('a daemon did not call setsid');
    await sleepMs(5);
  }
}

/**
 * The watchdog has loaded and reads its pipe: it then names itself (`ps`
 * shows `xstate-otp-watchdog`). A host stopped before that is seen stopped
 * only from then on.
 */
async function watchdogReady(host: Host): Promise<void> {
  const deadline = performance.now() + 5000;
  const title = () => readFileSync(`/proc/${host.watchdog}/cmdline`, 'latin1');
  while (!title().startsWith('xstate-otp-watchdog')) {
    if (performance.now() > deadline) throw new Error('the watchdog did not start');
    await sleepMs(5);
  }
}

/** Stops the host (SIGSTOP) and waits until `/proc` shows it stopped; returns when it was sent. */
async function pause(host: Host): Promise<number> {
  const sentAt = performance.now();
  host.child.kill('SIGSTOP');
  while (!readRunState(host.child.pid!)?.stopped) await sleepMs(1);
  return sentAt;
}

interface KillBracket {
  /** When the last look that found every process alive began (monotonic ms). */
  lastAliveAt: number;
  /** When the first look that found one gone ended: the kill began in between. */
  firstGoneAt: number;
  /** When the first look that found none alive ended. */
  allGoneAt: number;
}

/**
 * Looks at the batch until all of it is gone, back to back (no timer) from
 * `denseFrom` on, and brackets the kill: it began after `lastAliveAt` and by
 * `firstGoneAt`.
 */
async function bracketKill(
  batch: Batch,
  { denseFrom, timeoutMs }: { denseFrom: number; timeoutMs: number },
): Promise<KillBracket> {
  const giveUpAt = monotonicNowMs() + timeoutMs;
  let lastAliveAt = Number.NaN;
  let firstGoneAt = Number.NaN;
  for (;;) {
    const at = monotonicNowMs();
    const alive = batch.pids.filter(isPidAlive).length;
    const end = monotonicNowMs();
    if (alive === batch.pids.length) lastAliveAt = at;
    else if (Number.isNaN(firstGoneAt)) firstGoneAt = end;
    if (alive === 0) return { lastAliveAt, firstGoneAt, allGoneAt: end };
    if (at > giveUpAt) throw new Error(`${alive} processes still alive after ${timeoutMs} ms`);
    if (at < denseFrom) await sleepMs(1);
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The batch's processes are killed while the host stays stopped, all of them
 * within a second of the lease deadline, and not before it: whenever the
 * bracket around the kill is narrow (`conclusive`), it ends after the
 * deadline. Resolves with the bracket relative to the deadline.
 */
async function expectSweptAtDeadline(host: Host, batch: Batch, deadline: number) {
  const bracket = await bracketKill(batch, {
    denseFrom: deadline - 2 * BRACKET_MS,
    timeoutMs: deadline - monotonicNowMs() + LAST_PROCESS_GONE_MS,
  });
  const relative = {
    lastAliveAt: bracket.lastAliveAt - deadline,
    firstGoneAt: bracket.firstGoneAt - deadline,
    allGoneAt: bracket.allGoneAt - deadline,
  };
  const conclusive = bracket.firstGoneAt - bracket.lastAliveAt <= BRACKET_MS;
  if (conclusive) expect(relative.firstGoneAt).toBeGreaterThan(0);
  expect(relative.allGoneAt).toBeGreaterThan(0);
  expect(relative.allGoneAt).toBeLessThanOrEqual(LAST_PROCESS_GONE_MS);
  expect(readRunState(host.child.pid!)?.stopped).toBe(true);
  expect(isPidAlive(host.watchdog)).toBe(true);
  return { ...relative, conclusive };
}

const shown = (bracket: { lastAliveAt: number; firstGoneAt: number; allGoneAt: number }) =>
  `killed in (${bracket.lastAliveAt.toFixed(1)}, ${bracket.firstGoneAt.toFixed(1)}] ms, all gone ${bracket.allGoneAt.toFixed(1)} ms`;

describe.runIf(hasProcfs)('the host watchdog', () => {
  it(`host SIGKILLed with ${SESSIONS} process sessions (setsid daemons included) over two managers: all gone within 1 s`, async () => {
    const host = await startHost({ sessions: SESSIONS, managers: 2 });
    expectRunning(host);
    const killedAt = performance.now();
    host.child.kill('SIGKILL');
    await expectGoneInTime(host, killedAt);
    expect((await host.exited).signal).toBe('SIGKILL');
  });

  it('host SIGTERMed: all gone within 1 s, and the host still dies of SIGTERM', async () => {
    const host = await startHost({ sessions: SESSIONS });
    expectRunning(host);
    const killedAt = performance.now();
    host.child.kill('SIGTERM');
    await expectGoneInTime(host, killedAt);
    expect((await host.exited).signal).toBe('SIGTERM');
  });

  it('host crashed (uncaught exception): all gone within 1 s of its exit', async () => {
    const host = await startHost({ sessions: SESSIONS, after: 'throw' });
    const exit = await host.exited;
    const exitedAt = performance.now();
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('host crashed on purpose');
    await expectGoneInTime(host, exitedAt);
  });

  it('a stopped host (SIGSTOP) without a lease keeps its processes; killed, they go', async () => {
    const host = await startHost({ sessions: 5 });
    host.child.kill('SIGSTOP');
    // A bounded look for a non-event: the pipe stays open, nothing is killed.
    await expect(waitForPidsGone([host.pids[0]!], { timeoutMs: 300 })).rejects.toThrow(
      'still alive',
    );
    expect(host.pids.filter((pid) => !isPidAlive(pid))).toEqual([]);
    expect(isPidAlive(host.watchdog)).toBe(true);
    const killedAt = performance.now();
    host.child.kill('SIGKILL');
    await expectGoneInTime(host, killedAt);
  });

  it(`a host stopped within its lease (${LEASE_MS} ms) loses its processes (setsid daemons included) once its lease deadline has passed, while stopped, not before; continued, it renews and runs on, and each new pause is swept at the new deadline`, async () => {
    const host = await startHost({ sessions: 5, leaseMs: LEASE_MS });
    await watchdogReady(host);
    const rounds: Array<Awaited<ReturnType<typeof expectSweptAtDeadline>>> = [];
    let batch: Batch = host;
    while (
      rounds.length < 2 ||
      (!rounds.some((round) => round.conclusive) && rounds.length < MAX_PAUSES)
    ) {
      if (rounds.length > 0) {
        // Continued: the host runs on (it starts new sessions) with the same watchdog.
        host.child.kill('SIGCONT');
        batch = await host.more();
        expect(batch.watchdog).toBe(host.watchdog);
      }
      expect(batch.pids.filter((pid) => !isPidAlive(pid))).toEqual([]);
      await daemonsDetached(batch);
      // Renewed, then stopped well before the deadline: it cannot renew again.
      const deadline = await host.renew();
      await pause(host);
      rounds.push(await expectSweptAtDeadline(host, batch, deadline));
    }
    console.log(`paused host, relative to its lease deadline: ${rounds.map(shown).join('; ')}`);
    expect(rounds.some((round) => round.conclusive)).toBe(true);

    // Killed while stopped: the watchdog's last sweep, and its exit.
    host.child.kill('SIGKILL');
    expect((await host.exited).signal).toBe('SIGKILL');
    await waitForPidsGone([host.watchdog], { timeoutMs: WATCHDOG_GONE_MS });
  });

  it('a host whose lease deadline keeps moving keeps its processes: running past several deadlines, then stopped for less than what was left of its lease', async () => {
    const host = await startHost({ sessions: 3, leaseMs: LEASE_MS });
    await watchdogReady(host);
    const first = await host.renew();
    // Renewed every half lease, until well past the first deadline: bounded looks for a non-event.
    let deadline = first;
    while (monotonicNowMs() < first + LEASE_MS) {
      await expect(waitForPidsGone([host.pids[0]!], { timeoutMs: LEASE_MS / 2 })).rejects.toThrow(
        'still alive',
      );
      const renewed = await host.renew();
      expect(renewed).toBeGreaterThan(deadline);
      deadline = renewed;
    }
    expect(host.pids.filter((pid) => !isPidAlive(pid))).toEqual([]);

    // Stopped for a third of the lease, continued and renewed: the old deadline passes harmlessly.
    const leaseEnd = await host.renew();
    await pause(host);
    await expect(waitForPidsGone([host.pids[0]!], { timeoutMs: LEASE_MS / 3 })).rejects.toThrow(
      'still alive',
    );
    const continuedAt = monotonicNowMs();
    host.child.kill('SIGCONT');
    expect(continuedAt).toBeLessThan(leaseEnd);
    await host.renew();
    await expect(
      waitForPidsGone([host.pids[0]!], {
        timeoutMs: leaseEnd - monotonicNowMs() + 3 * PAST_DEADLINE_POLL_MS,
      }),
    ).rejects.toThrow('still alive');
    expect(monotonicNowMs()).toBeGreaterThan(leaseEnd);
    expect(host.pids.filter((pid) => !isPidAlive(pid))).toEqual([]);
    expect(isPidAlive(host.watchdog)).toBe(true);
    const killedAt = performance.now();
    host.child.kill('SIGKILL');
    await expectGoneInTime(host, killedAt);
  });

  it('without a lease, a stopped host keeps its processes well past the deadline of a host stopped beside it', async () => {
    const leased = await startHost({ sessions: 3, leaseMs: LEASE_MS });
    const bare = await startHost({ sessions: 3 });
    await Promise.all([leased, bare].map(watchdogReady));
    const deadline = await leased.renew();
    await pause(bare);
    await pause(leased);
    await expectSweptAtDeadline(leased, leased, deadline);
    // The deadline has passed for both; a bounded look for a non-event, three polls more.
    await expect(
      waitForPidsGone([bare.pids[0]!], { timeoutMs: 3 * PAST_DEADLINE_POLL_MS }),
    ).rejects.toThrow('still alive');
    expect(monotonicNowMs()).toBeGreaterThan(deadline + 3 * PAST_DEADLINE_POLL_MS);
    expect(bare.pids.filter((pid) => !isPidAlive(pid))).toEqual([]);
    expect(readRunState(bare.child.pid!)?.stopped).toBe(true);
    expect(isPidAlive(bare.watchdog)).toBe(true);
    const killedAt = performance.now();
    for (const host of [bare, leased]) host.child.kill('SIGKILL');
    await expectGoneInTime(bare, killedAt);
    await waitForPidsGone([leased.watchdog], { timeoutMs: WATCHDOG_GONE_MS });
  });

  it('a process that scrubbed its environment and lost its parent dies with its process group', async () => {
    // Neither marked nor anyone's descendant: only the group the host told its watchdog about reaches it.
    const shell =
      "(env -i /bin/sh -c 'echo daemon:$$; exec sleep 600' &); sleep 600 & echo child:$!; echo root:$$; wait";
    const host = await startHost({ sessions: 3, shell });
    for (const tree of host.trees) {
      const environ = readFileSync(`/proc/${tree.daemon}/environ`, 'latin1');
      expect(environ).not.toContain(HOST_MARKER_ENV);
      expect(groupOf(tree.daemon)).toBe(tree.root);
      expect(host.pids).not.toContain(parentOf(tree.daemon));
    }
    const killedAt = performance.now();
    host.child.kill('SIGKILL');
    await expectGoneInTime(host, killedAt);
  });

  it('holds nothing open: a host whose managers stopped exits on its own, and its watchdog with it', async () => {
    const host = await startHost({ sessions: 3, after: 'stop' });
    expect((await host.exited).code).toBe(0);
    expect(host.output()).toContain('stopped');
    await waitForPidsGone([host.watchdog, ...host.pids], { timeoutMs: WATCHDOG_GONE_MS });
  });

  it('a watchdog killed while its host lives is started again', async () => {
    const started = startProcess({ command: 'sleep', args: ['600'] });
    const first = hostWatchdogPid();
    expect(first).toBeDefined();
    process.kill(first!, 'SIGKILL');
    // Restarted on its exit (at most once a second): a new pid, alive.
    const deadline = Date.now() + 3000;
    while (hostWatchdogPid() === first || hostWatchdogPid() === undefined) {
      if (Date.now() > deadline) throw new Error('the watchdog was not started again');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(isPidAlive(hostWatchdogPid()!)).toBe(true);
    started.actor.stop();
    await started.ended;
  });
});

describe('lease deadlines', () => {
  it("the earliest deadline held applies until released; a manager forwards its store's from its first process to its stop", async () => {
    expect(hostLeaseDeadlineMs()).toBeUndefined();
    const late = holdLeaseDeadline();
    const early = holdLeaseDeadline();
    expect(hostLeaseDeadlineMs()).toBeUndefined(); // none set yet
    late.set(50_000.7);
    early.set(20_000);
    expect(hostLeaseDeadlineMs()).toBe(20_000);
    early.set(Number.NaN); // ignored
    early.set(-1); // ignored
    expect(hostLeaseDeadlineMs()).toBe(20_000);
    early.release();
    early.release(); // idempotent
    early.set(1000); // released: ignored
    expect(hostLeaseDeadlineMs()).toBe(50_000);

    // Single host: nothing takes a session over, so no lease deadline.
    const opened = await journalStore(createMemoryJournal()).open({ hostId: 'h', now: Date.now });
    expect(opened.store.onLeaseDeadline).toBeUndefined();
    await opened.store.close();
    const single = createProcessSweeper(opened.store);
    single.environmentOf('a').onProcessStart?.();
    expect(hostLeaseDeadlineMs()).toBe(50_000);

    // A cluster store: its latest deadline at once, then each renewal's.
    const listeners = new Set<(ms: number) => void>();
    let latest = 30_000;
    const store = {
      scope: 's1',
      onLeaseDeadline: (listener: (ms: number) => void) => {
        listeners.add(listener);
        listener(latest);
        return () => listeners.delete(listener);
      },
    };
    const renew = (ms: number) => {
      latest = ms;
      for (const listener of listeners) listener(ms);
    };
    const cluster = createProcessSweeper(store);
    expect(listeners.size).toBe(0); // no process yet: nothing to kill
    cluster.environmentOf('b').onProcessStart?.();
    cluster.environmentOf('c').onProcessStart?.();
    expect(listeners.size).toBe(1);
    expect(hostLeaseDeadlineMs()).toBe(30_000);
    renew(40_000);
    expect(hostLeaseDeadlineMs()).toBe(40_000);
    renew(60_000);
    expect(hostLeaseDeadlineMs()).toBe(50_000);
    cluster.close();
    expect(listeners.size).toBe(0);
    expect(hostLeaseDeadlineMs()).toBe(50_000);
    late.release();
    expect(hostLeaseDeadlineMs()).toBeUndefined();
  });

  it.runIf(hasProcfs)(
    'a stopped process is read as stopped, whatever its name holds (spaces, parentheses)',
    async () => {
      // A name whose first `)` is followed by a running state: only the last `)` tells.
      const dir = mkdtempSync(join(tmpdir(), 'xstate-otp-comm-'));
      const program = join(dir, 'a) R (b');
      copyFileSync('/bin/sleep', program);
      chmodSync(program, 0o755);
      const child = spawn(program, ['600'], { stdio: 'ignore' });
      const pid = child.pid!;
      trackPids([pid]);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        const comm = () => readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
        // Until its exec, the child is a copy of this process.
        while (comm() !== 'a) R (b') await sleepMs(1);
        expect(readRunState(pid)!.stopped).toBe(false);
        process.kill(pid, 'SIGSTOP');
        while (!readRunState(pid)?.stopped) await sleepMs(1);
        const stopped = readRunState(pid)!;
        // Stopped, it is not scheduled: its count holds still until it runs again.
        expect(readRunState(pid)!.switches).toBe(stopped.switches);
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGSTOP');
        // Continued and stopped again: stopped as before, with another count.
        for (;;) {
          const now = readRunState(pid)!;
          if (now.stopped && now.switches !== stopped.switches) break;
          await sleepMs(1);
        }
      } finally {
        child.kill('SIGKILL');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      }
      expect(readRunState(pid)).toBeUndefined();
    },
  );
});

describe('watchdogs are never swept', () => {
  it('a process carrying the watchdog marker is no member, not even as a descendant', () => {
    const marker = { name: HOST_MARKER_ENV, value: 'h1' };
    const table = [
      { pid: 100, ppid: 1, markers: new Map([[HOST_MARKER_ENV, 'h1']]) },
      // A nested host's watchdog: inherited the outer marker, child of a member.
      {
        pid: 101,
        ppid: 100,
        markers: new Map([
          [HOST_MARKER_ENV, 'h1'],
          [WATCHDOG_MARKER_ENV, 'h2'],
        ]),
      },
      { pid: 103, ppid: 100, markers: new Map<string, string>() },
    ];
    expect(treeMembers(table, marker).sort()).toEqual([100, 103]);
  });
});
