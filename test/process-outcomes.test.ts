import { describe, expect, it } from 'vitest';
import { ProcessExitError } from '../src/ground/errors.js';
import { fixtureCommand } from '../src/scripted/fixtureCommand.js';
import {
  checkPidsAfterEach,
  expectError,
  expectOutput,
  startProcess,
} from './helpers/processes.js';

checkPidsAfterEach();

describe('fromProcess outcomes', () => {
  it('exit 0: final state, output with both tails, events for pid and lines', async () => {
    const { actor, watch, ended } = startProcess(
      fixtureCommand({ stdout: ['hello', 'world'], stderr: 'careful', delayMs: 20 }),
    );
    const result = await ended;
    expect(watch.pid).toBeGreaterThan(0);
    expect(actor.getSnapshot().context.pid).toBe(watch.pid);
    expect(result.state).toBe('succeeded');
    const output = expectOutput(result);
    expect(output).toMatchObject({
      exitCode: 0,
      signal: undefined,
      stopped: false,
      stdoutTail: 'hello\nworld',
      stderrTail: 'careful',
    });
    expect(output.durationMs).toBeGreaterThanOrEqual(20);
    expect(watch.lines).toEqual([
      { stream: 'stdout', line: 'hello' },
      { stream: 'stdout', line: 'world' },
      { stream: 'stderr', line: 'careful' },
    ]);
  });

  it('non-zero exit: the actor errors with process_exit, the code and the tails', async () => {
    const { ended } = startProcess(
      fixtureCommand({ mode: 'exit', code: 3, stdout: 'partial', stderr: 'it broke' }),
    );
    const result = await ended;
    expect(result.state).toBe('failed');
    const error = expectError(result);
    expect(error).toBeInstanceOf(ProcessExitError);
    expect(error).toMatchObject({
      code: 'process_exit',
      exitCode: 3,
      signal: undefined,
      timedOut: false,
      stdoutTail: 'partial',
      stderrTail: 'it broke',
    });
    expect(error.message).toMatch(/exited with code 3/);
    expect(error.command).toContain('fixture.mjs');
  });

  it.each(['SIGUSR2', 'SIGKILL'] as const)(
    'death by %s: process_exit with the signal name',
    async (signal) => {
      const error = expectError(
        await startProcess(fixtureCommand({ mode: 'signal', signal })).ended,
      );
      expect(error).toMatchObject({
        code: 'process_exit',
        signal,
        exitCode: undefined,
        timedOut: false,
      });
      expect(error.message).toContain(`killed by ${signal}`);
    },
  );

  it('timeout: the tree is killed and the actor errors with timedOut', async () => {
    // No waiting for the fixture to be up: under load Node may start slower than the timeout.
    const { actor, ended } = startProcess({
      ...fixtureCommand({ mode: 'hang', announce: true, stdout: 'waiting' }),
      timeoutMs: 300,
    });
    const states: unknown[] = [];
    // An observer without `error` would make XState report the failure as unhandled.
    actor.subscribe({ next: (snapshot) => states.push(snapshot.value), error: () => {} });
    const error = expectError(await ended);
    expect(states).toContainEqual({ active: 'timingOut' });
    expect(error).toMatchObject({ code: 'process_exit', timedOut: true, signal: 'SIGTERM' });
    expect(error.stdoutTail).toMatch(/^(waiting(\npid:\d+)?)?$/);
    expect(error.message).toMatch(/timed out after 300 ms/);
  });

  it('a command that does not exist: spawn_failed, never started', async () => {
    const { actor, ended } = startProcess({ command: 'xstate-otp-no-such-command', args: ['x'] });
    const error = expectError(await ended);
    expect(error).toMatchObject({ code: 'spawn_failed', exitCode: undefined, signal: undefined });
    expect(error.message).toMatch(/could not start: .*ENOENT/);
    expect(actor.getSnapshot().context.pid).toBeUndefined();
  });

  it('a working directory that does not exist: spawn_failed naming it', async () => {
    const error = expectError(
      await startProcess({ ...fixtureCommand(), cwd: '/nonexistent/xstate-otp' }).ended,
    );
    expect(error.code).toBe('spawn_failed');
    expect(error.message).toContain('/nonexistent/xstate-otp');
  });

  it('invalid input: spawn_failed naming the field', async () => {
    const error = expectError(
      await startProcess({ command: 'echo', args: [42 as unknown as string] }).ended,
    );
    expect(error.code).toBe('spawn_failed');
    expect(error.message).toMatch(/input\.args must be an array of strings/);
  });

  it('arguments reach the program literally: no shell, no expansion', async () => {
    const nasty = [
      '$(rm -rf x)',
      '`id`',
      'a; echo pwned',
      'a | cat',
      `'single' "double"`,
      '*',
      'line\nbreak',
      '$HOME',
      '&& exit 9',
      '',
    ];
    const { ended, watch } = startProcess(fixtureCommand({ echo: nasty }));
    expectOutput(await ended);
    const echoed = watch.lines
      .filter(({ line }) => line.startsWith('arg:'))
      .map(({ line }) => JSON.parse(line.slice(4)));
    expect(echoed).toEqual(nasty);
  });

  it('the marker variables reach the process, with the session id when given', async () => {
    const { actor, ended } = startProcess({
      command: process.execPath,
      args: [
        '-e',
        'console.log(process.env.XSTATE_OTP_PROCESS + " " + process.env.XSTATE_OTP_SESSION)',
      ],
      sessionId: 'session-42',
      env: { UNRELATED: 'yes' },
    });
    const output = expectOutput(await ended);
    expect(output.stdoutTail).toBe(`${actor.getSnapshot().context.processId} session-42`);
  });

  it('megabytes of output: only the bounded tail is kept, every line is emitted', async () => {
    const count = 100_000;
    const tailBytes = 4096;
    const { actor, ended } = startProcess({
      ...fixtureCommand({ lines: count, lineWidth: 100 }),
      tailBytes,
    });
    let emitted = 0;
    let last = '';
    actor.on('process.output', ({ line }) => {
      emitted++;
      last = line;
    });
    const output = expectOutput(await ended);
    const expectedLast = `line ${count}`.padEnd(100, '.');
    expect(emitted).toBe(count);
    expect(last).toBe(expectedLast);
    expect(Buffer.byteLength(output.stdoutTail)).toBeLessThanOrEqual(tailBytes);
    expect(Buffer.byteLength(output.stdoutTail)).toBeGreaterThan(tailBytes - 200);
    expect(output.stdoutTail.split('\n').at(-1)).toBe(expectedLast);
    const { context } = actor.getSnapshot();
    expect(JSON.stringify(context).length).toBeLessThan(2 * tailBytes);
  });
});
