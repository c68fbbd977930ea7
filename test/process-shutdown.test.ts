import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { acceptsShutdown, SHUTDOWN_EVENT } from '../src/ground/shutdown.js';
import { fromProcess } from '../src/process/fromProcess.js';
import { fixtureCommand } from '../src/scripted/fixtureCommand.js';
import { isPidAlive, waitForPidsGone } from '../src/testing/processes.js';
import { checkPidsAfterEach, expectOutput, startProcess } from './helpers/processes.js';

checkPidsAfterEach();

describe('fromProcess shutdown', () => {
  it('answers SHUTDOWN_EVENT while running, so a supervisor asks before stopping it', async () => {
    const { actor, watch, ended } = startProcess(fixtureCommand({ mode: 'hang', announce: true }));
    await watch.waitForAnnounced(1);
    expect(acceptsShutdown(actor)).toBe(true);
    actor.send({ type: SHUTDOWN_EVENT });
    expect(actor.getSnapshot().value).toEqual({ active: 'stopping' });
    expect(acceptsShutdown(actor)).toBe(false);
    const result = await ended;
    expect(result.state).toBe('stopped');
    expect(expectOutput(result)).toMatchObject({
      stopped: true,
      signal: 'SIGTERM',
      exitCode: undefined,
    });
    expect(acceptsShutdown(actor)).toBe(false);
  });

  it('uses the given killSignal', async () => {
    const { actor, watch, ended } = startProcess({
      ...fixtureCommand({ mode: 'hang', announce: true }),
      killSignal: 'SIGINT',
    });
    await watch.waitForAnnounced(1);
    actor.send({ type: SHUTDOWN_EVENT });
    expect(expectOutput(await ended)).toMatchObject({ stopped: true, signal: 'SIGINT' });
  });

  it('a process that ignores SIGTERM is SIGKILLed after forceKillAfterMs', async () => {
    const { actor, watch, ended } = startProcess({
      ...fixtureCommand({ mode: 'hang', announce: true, ignoreSigterm: true }),
      forceKillAfterMs: 300,
    });
    const [pid] = await watch.waitForAnnounced(1);
    const sentAt = performance.now();
    actor.send({ type: SHUTDOWN_EVENT });
    const output = expectOutput(await ended);
    const took = performance.now() - sentAt;
    expect(output).toMatchObject({ stopped: true, signal: 'SIGKILL' });
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1500);
    expect(isPidAlive(pid!)).toBe(false);
  });

  it('a stopped process (SIGSTOP) is continued after SIGTERM, so it ends on SIGTERM within its grace', async () => {
    const { actor, watch, ended } = startProcess({
      ...fixtureCommand({ mode: 'hang', announce: true }),
      forceKillAfterMs: 8000,
    });
    const [pid] = await watch.waitForAnnounced(1);
    process.kill(pid!, 'SIGSTOP');
    actor.send({ type: SHUTDOWN_EVENT });
    // Left stopped, it would act on nothing before the SIGKILL 8 s later.
    expect(expectOutput(await ended)).toMatchObject({ stopped: true, signal: 'SIGTERM' });
    expect(isPidAlive(pid!)).toBe(false);
  });

  it('abrupt stop(): SIGTERM now, SIGKILL after forceKillAfterMs, timers outlive the actor', async () => {
    const { actor, watch } = startProcess({
      ...fixtureCommand({ mode: 'hang', announce: true, ignoreSigterm: true }),
      forceKillAfterMs: 200,
    });
    const [pid] = await watch.waitForAnnounced(1);
    const stoppedAt = performance.now();
    actor.stop();
    expect(actor.getSnapshot().status).toBe('stopped');
    // It ignores SIGTERM, so it is still there until the SIGKILL.
    expect(isPidAlive(pid!)).toBe(true);
    await waitForPidsGone([pid!], { timeoutMs: 3000 });
    expect(performance.now() - stoppedAt).toBeGreaterThanOrEqual(190);
  });

  it('stopped with its parent: the invoked process dies too', async () => {
    const parent = createActor(
      createMachine({
        invoke: {
          id: 'child',
          src: fromProcess(),
          input: fixtureCommand({ mode: 'hang', announce: true }),
        },
      }),
    );
    const pid = new Promise<number>((resolve) => {
      parent.system.inspect((event) => {
        if (event.type === '@xstate.event' && event.event.type === 'process.started') {
          resolve(event.event.pid as number);
        }
      });
    });
    parent.start();
    const childPid = await pid;
    parent.stop();
    await waitForPidsGone([childPid]);
  });

  it('shutdown before the program turned out not to exist ends as a stop', async () => {
    const { actor, ended } = startProcess({ command: 'xstate-otp-no-such-command' });
    actor.send({ type: SHUTDOWN_EVENT });
    const result = await ended;
    expect(result.state).toBe('stopped');
    expect(expectOutput(result)).toMatchObject({ stopped: true, exitCode: undefined });
  });

  it('a process that exits 0 on SIGTERM ends stopped with exit code 0', async () => {
    const { actor, watch, ended } = startProcess({
      command: process.execPath,
      args: [
        '-e',
        'process.on("SIGTERM", () => process.exit(0)); console.log("ready"); setInterval(() => {}, 1e6)',
      ],
    });
    await watch.waitForLine((line) => line === 'ready');
    actor.send({ type: SHUTDOWN_EVENT });
    expect(expectOutput(await ended)).toMatchObject({
      stopped: true,
      exitCode: 0,
      signal: undefined,
    });
  });
});
