import { spawn } from 'node:child_process';
import { nanoid } from 'nanoid';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_EVENT } from '../src/ground/shutdown.js';
import { liveProcessTreeCount } from '../src/process/hostExit.js';
import {
  findMarkedProcesses,
  findSessionProcesses,
  SCOPE_MARKER_ENV,
  SESSION_MARKER_ENV,
  sweepMarkedProcesses,
  sweepScopeProcesses,
  sweepSessionProcesses,
  treeMembers,
} from '../src/process/index.js';
import { hasProcfs } from '../src/process/procfs.js';
import {
  countDescendants,
  type FixtureDescendant,
  fixtureCommand,
} from '../src/scripted/fixtureCommand.js';
import { isPidAlive, killPids, waitForPidsGone } from '../src/testing/processes.js';
import {
  checkPidsAfterEach,
  expectError,
  expectOutput,
  startProcess,
  trackPids,
} from './helpers/processes.js';

checkPidsAfterEach();

// root -> child -> grandchild; a daemon that called setsid; a setsid daemon
// ignoring SIGTERM whose own child ignores it too.
const TREE: FixtureDescendant[] = [
  { spawn: [{}] },
  { setsid: true },
  { setsid: true, ignoreSigterm: true, spawn: [{ ignoreSigterm: true }] },
];
const TREE_SIZE = 1 + countDescendants(TREE);

const alive = (pids: number[]) => pids.filter(isPidAlive);

describe.runIf(hasProcfs)('process tree kill (Linux /proc)', () => {
  it('SHUTDOWN_EVENT kills every process of the tree, setsid escapees included', async () => {
    const { actor, watch, ended } = startProcess({
      ...fixtureCommand({ mode: 'hang', announce: true, spawn: TREE }),
      forceKillAfterMs: 300,
    });
    const pids = await watch.waitForAnnounced(TREE_SIZE);
    expect(new Set(pids).size).toBe(TREE_SIZE);
    expect(alive(pids)).toEqual(pids);
    actor.send({ type: SHUTDOWN_EVENT });
    expect(expectOutput(await ended).stopped).toBe(true);
    // The actor ends only once the whole tree is gone.
    expect(alive(pids)).toEqual([]);
  });

  it('abrupt stop() kills every process of the tree, setsid escapees included', async () => {
    const { actor, watch } = startProcess({
      ...fixtureCommand({ mode: 'hang', announce: true, spawn: TREE }),
      forceKillAfterMs: 300,
    });
    const pids = await watch.waitForAnnounced(TREE_SIZE);
    actor.stop();
    await waitForPidsGone(pids, { timeoutMs: 3000 });
  });

  it('a root that exits 0 leaving descendants behind: they are killed before the actor completes', async () => {
    const spawnSpec: FixtureDescendant[] = [{}, { setsid: true, ignoreSigterm: true }];
    const { watch, ended } = startProcess({
      ...fixtureCommand({ mode: 'succeed', delayMs: 50, announce: true, spawn: spawnSpec }),
      forceKillAfterMs: 200,
    });
    const result = await ended;
    const pids = watch.announced as number[];
    expect(pids).toHaveLength(1 + countDescendants(spawnSpec));
    expect(expectOutput(result)).toMatchObject({ exitCode: 0, stopped: false });
    expect(alive(pids)).toEqual([]);
  });

  it('a root that fails leaving descendants behind: they are killed before the actor errors', async () => {
    const { watch, ended } = startProcess(
      fixtureCommand({
        mode: 'exit',
        code: 2,
        delayMs: 50,
        announce: true,
        spawn: [{ setsid: true }],
      }),
    );
    const error = expectError(await ended);
    expect(error.exitCode).toBe(2);
    expect(watch.announced).toHaveLength(2);
    expect(alive(watch.announced as number[])).toEqual([]);
  });

  it('host signal listeners exist only while process trees are alive', async () => {
    const before = process.listenerCount('SIGTERM');
    const { actor, watch, ended } = startProcess(fixtureCommand({ mode: 'hang', announce: true }));
    await watch.waitForAnnounced(1);
    expect(liveProcessTreeCount()).toBeGreaterThan(0);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    actor.send({ type: SHUTDOWN_EVENT });
    await ended;
    expect(liveProcessTreeCount()).toBe(0);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('sweepMarkedProcesses kills processes by session marker, wherever they are', async () => {
    // As if left behind by a host that was SIGKILLed: nobody tracks them but the marker.
    const session = `sweep-${nanoid(8)}`;
    const pids = await leftBehind(
      { [SESSION_MARKER_ENV]: session },
      { ignoreSigterm: true, spawn: [{ setsid: true }, { spawn: [{}] }] },
    );
    expect(pids).toHaveLength(4);
    expect(findMarkedProcesses({ name: SESSION_MARKER_ENV, value: session }).sort()).toEqual(
      [...pids].sort(),
    );
    const result = await sweepMarkedProcesses(
      { name: SESSION_MARKER_ENV, value: session },
      { forceKillAfterMs: 200 },
    );
    expect(result.pids.sort()).toEqual([...pids].sort());
    expect(result.survivors).toEqual([]);
    expect(alive(pids)).toEqual([]);
    expect(findMarkedProcesses({ name: SESSION_MARKER_ENV, value: session })).toEqual([]);
  });

  it('sweepMarkedProcesses continues a stopped process, so it ends on the first signal', async () => {
    const session = `sweep-stopped-${nanoid(8)}`;
    const { command, args } = fixtureCommand({ mode: 'hang', announce: true });
    const stopped = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, [SESSION_MARKER_ENV]: session },
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      stopped.once('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve) => stopped.stdout.once('data', () => resolve()));
    trackPids([stopped.pid!]);
    process.kill(stopped.pid!, 'SIGSTOP');
    const result = await sweepMarkedProcesses(
      { name: SESSION_MARKER_ENV, value: session },
      { forceKillAfterMs: 8000 },
    );
    expect(result).toEqual({ pids: [stopped.pid], survivors: [] });
    // Left stopped, it would have died of the SIGKILL 8 s later.
    expect(await exited).toBe('SIGTERM');
  });

  /**
   * Starts a detached fixture tree carrying `markers` (and nothing inherited
   * from this process), as a host that died would have left it; resolves
   * with every pid, root last.
   */
  async function leftBehind(
    markers: Record<string, string>,
    {
      spawn: descendants = [{ setsid: true }],
      ignoreSigterm = false,
    }: { spawn?: FixtureDescendant[]; ignoreSigterm?: boolean } = {},
  ): Promise<number[]> {
    const { command, args } = fixtureCommand({
      mode: 'hang',
      announce: true,
      ignoreSigterm,
      spawn: descendants,
    });
    const env = { ...process.env };
    delete env[SESSION_MARKER_ENV];
    delete env[SCOPE_MARKER_ENV];
    const root = spawn(command, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...env, ...markers },
    });
    const pids = await new Promise<number[]>((resolve) => {
      const seen: number[] = [];
      let buffered = '';
      root.stdout.setEncoding('utf8');
      root.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        for (const match of buffered.matchAll(/pid:(\d+)\n/g)) {
          const pid = Number(match[1]);
          if (!seen.includes(pid)) seen.push(pid);
        }
        if (seen.includes(root.pid!)) resolve(seen);
      });
    });
    root.stdout.destroy();
    root.unref();
    trackPids(pids);
    return pids;
  }

  it('sweepSessionProcesses with a scope kills that session of that journal only', async () => {
    const session = `same-${nanoid(6)}`;
    const ours = await leftBehind({
      [SESSION_MARKER_ENV]: session,
      [SCOPE_MARKER_ENV]: 'scope-ours',
    });
    const theirs = await leftBehind({
      [SESSION_MARKER_ENV]: session,
      [SCOPE_MARKER_ENV]: 'scope-theirs',
    });
    try {
      expect(findSessionProcesses(session, 'scope-ours').sort()).toEqual([...ours].sort());
      const result = await sweepSessionProcesses(session, {
        scope: 'scope-ours',
        forceKillAfterMs: 200,
      });
      expect(result.pids.sort()).toEqual([...ours].sort());
      expect(alive(ours)).toEqual([]);
      // Another journal's session with the very same id: untouched.
      expect(alive(theirs)).toEqual(theirs);
      expect(findSessionProcesses(session, 'scope-theirs').sort()).toEqual([...theirs].sort());
    } finally {
      killPids(theirs);
    }
  });

  it('sweepScopeProcesses kills what no live session of the journal owns, and nothing of another journal', async () => {
    const live = await leftBehind({ [SESSION_MARKER_ENV]: 'live', [SCOPE_MARKER_ENV]: 'scope-a' });
    const ended = await leftBehind({
      [SESSION_MARKER_ENV]: 'ended',
      [SCOPE_MARKER_ENV]: 'scope-a',
    });
    // Its host died between spawning it and writing its `created` record: no session knows it.
    const unrecorded = await leftBehind({
      [SESSION_MARKER_ENV]: `never-created-${nanoid(4)}`,
      [SCOPE_MARKER_ENV]: 'scope-a',
    });
    const noSession = await leftBehind({ [SCOPE_MARKER_ENV]: 'scope-a' });
    const otherJournal = await leftBehind({
      [SESSION_MARKER_ENV]: 'ended',
      [SCOPE_MARKER_ENV]: 'scope-b',
    });
    const unmarked = await leftBehind({ [SESSION_MARKER_ENV]: 'ended' });
    try {
      const result = await sweepScopeProcesses('scope-a', {
        keep: (sessionId) => sessionId === 'live',
        forceKillAfterMs: 200,
      });
      const swept = [...ended, ...unrecorded, ...noSession];
      expect(result.pids.sort()).toEqual(swept.sort());
      expect(result.survivors).toEqual([]);
      expect(alive(swept)).toEqual([]);
      expect(alive(live)).toEqual(live);
      expect(alive(otherJournal)).toEqual(otherJournal);
      expect(alive(unmarked)).toEqual(unmarked);
    } finally {
      killPids([...live, ...otherJournal, ...unmarked]);
    }
  });
});

describe('treeMembers with a scope matcher', () => {
  it("walks to unmarked descendants, never into another journal's processes", () => {
    const marks = (session?: string, scope?: string) =>
      new Map<string, string>([
        ...(session ? [[SESSION_MARKER_ENV, session] as [string, string]] : []),
        ...(scope ? [[SCOPE_MARKER_ENV, scope] as [string, string]] : []),
      ]);
    // 100 is ours; 101 is a nested host's child for another journal, 102 its child;
    // 103 scrubbed its environment; 200 is another session of ours that stays.
    const table = [
      { pid: 100, ppid: 1, markers: marks('s', 'scope-a') },
      { pid: 101, ppid: 100, markers: marks('x', 'scope-b') },
      { pid: 102, ppid: 101, markers: marks() },
      { pid: 103, ppid: 100, markers: marks() },
      { pid: 200, ppid: 1, markers: marks('live', 'scope-a') },
      { pid: 201, ppid: 200, markers: marks() },
    ];
    const match = (markers: ReadonlyMap<string, string>) => {
      const scope = markers.get(SCOPE_MARKER_ENV);
      if (scope === undefined) return undefined;
      return scope === 'scope-a' && markers.get(SESSION_MARKER_ENV) !== 'live';
    };
    expect(treeMembers(table, match).sort()).toEqual([100, 103]);
  });
});
