/**
 * No process outlives its host by more than a second: a host running 50
 * process sessions (each a shell with a `setsid` daemon and a plain child,
 * over two session managers) dies by SIGKILL, SIGTERM or an uncaught
 * exception, and every one of its processes is gone within 1 s of the kill,
 * its watchdog soon after. The bounds are deadlines on the outcome (polling
 * `/proc`), not sleeps.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostWatchdogPid } from '../src/process/hostWatchdog.js';
import { HOST_MARKER_ENV, treeMembers, WATCHDOG_MARKER_ENV } from '../src/process/markers.js';
import { hasProcfs } from '../src/process/procfs.js';
import { isPidAlive, waitForPidsGone } from '../src/testing/processes.js';
import { checkPidsAfterEach, startProcess, trackPids } from './helpers/processes.js';

checkPidsAfterEach();

const fixtures = join(import.meta.dirname, 'fixtures');
const SESSIONS = 50;
/** The bound: the last process of a dead host is gone within this. */
const LAST_PROCESS_GONE_MS = 1000;
/** The watchdog gives up on a process stuck in the kernel after 2 s, then exits. */
const WATCHDOG_GONE_MS = 3000;

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
}

function startHost(config: {
  sessions: number;
  managers?: number;
  after?: string;
  shell?: string;
  pauseBoundMs?: number;
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
  let watchdogPid = Number.NaN;
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      // `undefined` when the host has no watchdog (a regression): NaN, checked by expectRunning.
      if (line.startsWith('watchdog:')) watchdogPid = Number(line.slice('watchdog:'.length));
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

  it('a stopped host (SIGSTOP) keeps its processes; killed once continued, they go', async () => {
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
