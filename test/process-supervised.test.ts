import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor } from 'xstate';
import { fromProcess } from '../src/process/fromProcess.js';
import { fixtureCommand } from '../src/scripted/fixtureCommand.js';
import { createSupervisor, terminateChild, whichChildren } from '../src/supervisor/index.js';
import { isPidAlive, waitForPidsGone, watchProcess } from '../src/testing/processes.js';
import { checkPidsAfterEach, trackPids } from './helpers/processes.js';

checkPidsAfterEach();

const childRef = (sup: AnyActorRef, id: string): AnyActorRef => {
  const ref = whichChildren(sup).find((child) => child.id === id)?.ref;
  if (!ref) throw new Error(`no running child ${id}`);
  return ref;
};

describe('fromProcess under a supervisor', () => {
  it("takes its session id and working directory from the session's environment", async () => {
    const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'xstate-otp-process-')));
    try {
      const sup = createActor(
        createSupervisor({
          environment: { sessionId: 'session-env-1', workspace: { path: workspace } },
          children: [
            {
              id: 'probe',
              logic: fromProcess(),
              restart: 'temporary',
              input: {
                command: process.execPath,
                args: ['-e', 'console.log(process.env.XSTATE_OTP_SESSION + " " + process.cwd())'],
              },
            },
          ],
        }),
      );
      sup.subscribe({ error: () => {} });
      sup.start();
      const probe = childRef(sup, 'probe');
      const line = await new Promise<string>((resolve) => {
        probe.on('process.output', ({ line }: { line: string }) => resolve(line));
      });
      expect(line).toBe(`session-env-1 ${workspace}`);
      sup.stop();
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('terminateChild asks with SHUTDOWN_EVENT and resolves once the whole tree is gone', async () => {
    const sup = createActor(
      createSupervisor({
        children: [
          {
            id: 'tree',
            logic: fromProcess(),
            shutdown: 5000,
            input: {
              ...fixtureCommand({ mode: 'hang', announce: true, spawn: [{ setsid: true }] }),
              forceKillAfterMs: 300,
            },
          },
        ],
      }),
    );
    sup.subscribe({ error: () => {} });
    sup.start();
    const watch = watchProcess(childRef(sup, 'tree'));
    const pids = await watch.waitForAnnounced(2);
    trackPids(pids);
    await terminateChild(sup, 'tree');
    expect(pids.filter(isPidAlive)).toEqual([]);
    sup.stop();
  });

  it("when the supervisor's grace runs out first, the tree is SIGKILLed at once, not after the process's own grace", async () => {
    const sup = createActor(
      createSupervisor({
        children: [
          {
            id: 'stubborn',
            logic: fromProcess(),
            shutdown: 200,
            input: {
              ...fixtureCommand({ mode: 'hang', announce: true, ignoreSigterm: true }),
              // Far longer than the test waits: only the supervisor's kill can end it in time.
              forceKillAfterMs: 60_000,
            },
          },
        ],
      }),
    );
    sup.subscribe({ error: () => {} });
    sup.start();
    const watch = watchProcess(childRef(sup, 'stubborn'));
    const pids = await watch.waitForAnnounced(1);
    trackPids(pids);
    await terminateChild(sup, 'stubborn');
    await waitForPidsGone(pids, { timeoutMs: 2000 });
    sup.stop();
  });

  it("the supervisor's abrupt stop() kills every child's tree", async () => {
    const sup = createActor(
      createSupervisor({
        children: ['a', 'b'].map((id) => ({
          id,
          logic: fromProcess(),
          input: fixtureCommand({ mode: 'hang', announce: true, spawn: [{ setsid: true }] }),
        })),
      }),
    );
    sup.subscribe({ error: () => {} });
    sup.start();
    const pids = (
      await Promise.all(['a', 'b'].map((id) => watchProcess(childRef(sup, id)).waitForAnnounced(2)))
    ).flat();
    trackPids(pids);
    sup.stop();
    await waitForPidsGone(pids);
  });
});
