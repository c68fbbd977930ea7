import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nanoid } from 'nanoid';
import { describe, expect, it } from 'vitest';
import { findMarkedProcesses, SESSION_MARKER_ENV } from '../src/process/index.js';
import { hasProcfs } from '../src/process/procfs.js';
import type { FixtureDescendant } from '../src/scripted/fixtureCommand.js';
import { isPidAlive, waitForPidsGone } from '../src/testing/processes.js';
import { checkPidsAfterEach, expectAllGone, trackPids } from './helpers/processes.js';

checkPidsAfterEach();

const HOST = fileURLToPath(new URL('./fixtures/process-host.mjs', import.meta.url));
const TREE: FixtureDescendant[] = [{ setsid: true }, { spawn: [{}] }];

interface HostConfig {
  actors?: number;
  spawn?: FixtureDescendant[];
  ignoreSigterm?: boolean;
  sessionId?: string;
  after?: 'wait' | 'exit' | 'throw';
  userHandler?: NodeJS.Signals;
  bareExeca?: boolean;
}

interface Host {
  child: ChildProcess;
  /** The host watchdog's pid: it must be gone after every test too. */
  watchdog: number;
  pids: number[];
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts the host and resolves once it reports every pid of every tree it runs. */
function startHost(config: HostConfig): Promise<Host> {
  const child = spawn(process.execPath, [HOST, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<Awaited<Host['exited']>>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /^pids:(.*)$/m.exec(stdout);
      const watchdogLine = /^watchdog:(.*)$/m.exec(stdout);
      if (!match || !watchdogLine) return;
      child.stdout!.off('data', onData);
      const pids = JSON.parse(match[1]!) as number[];
      const watchdog = Number(watchdogLine[1]);
      trackPids([child.pid!, ...pids, ...(Number.isInteger(watchdog) ? [watchdog] : [])]);
      resolve({ child, watchdog, pids, stdout: () => stdout, exited });
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) =>
      reject(new Error(`host exited early (${code ?? signal}): ${stderr}`)),
    );
  });
}

describe.runIf(hasProcfs)('the host takes its processes with it', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'host killed by %s: every tree is killed, and the host still dies of the signal',
    async (signal) => {
      // Two trees for SIGTERM (the common case), one for the others to keep the suite quick.
      const actors = signal === 'SIGTERM' ? 2 : 1;
      const host = await startHost({ actors, spawn: TREE, ignoreSigterm: true });
      expect(host.pids).toHaveLength(4 * actors);
      expect(host.pids.every(isPidAlive)).toBe(true);
      host.child.kill(signal);
      const exit = await host.exited;
      expect(exit).toMatchObject({ code: null, signal });
      await expectAllGone(2000);
    },
  );

  it("cooperates with execa's own signal-exit hooks: both trees die, the host dies of SIGTERM", async () => {
    const host = await startHost({ spawn: TREE, bareExeca: true });
    expect(host.pids).toHaveLength(5);
    host.child.kill('SIGTERM');
    expect(await host.exited).toMatchObject({ code: null, signal: 'SIGTERM' });
    await expectAllGone(2000);
  });

  it('normal exit: the exit hook SIGKILLs every tree synchronously', async () => {
    const host = await startHost({ spawn: TREE, ignoreSigterm: true, after: 'exit' });
    expect((await host.exited).code).toBe(0);
    await expectAllGone(2000);
  });

  it('uncaught exception: the exit hook still runs', async () => {
    const host = await startHost({ spawn: TREE, after: 'throw' });
    const exit = await host.exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('host crashed on purpose');
    await expectAllGone(2000);
  });

  it('with an application SIGTERM listener the application decides; its exit still kills', async () => {
    const host = await startHost({ spawn: TREE, userHandler: 'SIGTERM' });
    host.child.kill('SIGTERM');
    const exit = await host.exited;
    expect(exit).toMatchObject({ code: 7, signal: null });
    expect(host.stdout()).toContain('user-handler');
    await expectAllGone(2000);
  });

  it('host SIGKILLed: its watchdog kills every tree, setsid daemons included, within 1 s', async () => {
    const sessionId = `host-${nanoid(8)}`;
    const host = await startHost({ actors: 2, spawn: TREE, ignoreSigterm: true, sessionId });
    expect(host.pids).toHaveLength(8);
    expect(isPidAlive(host.watchdog)).toBe(true);
    const killedAt = performance.now();
    host.child.kill('SIGKILL');
    // A deadline on the outcome: the host ran nothing, its watchdog did it all.
    await waitForPidsGone(host.pids, {
      timeoutMs: Math.max(0, 1000 - (performance.now() - killedAt)),
      intervalMs: 5,
    });
    expect((await host.exited).signal).toBe('SIGKILL');
    // Nothing is left for the next run's sweep by session marker to find.
    expect(findMarkedProcesses({ name: SESSION_MARKER_ENV, value: sessionId })).toEqual([]);
    await waitForPidsGone([host.watchdog], { timeoutMs: 3000 });
  });
});
