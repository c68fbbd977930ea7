import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  createMemoryJournal,
  createSessionManager,
  createSupervisor,
  fromProcess,
  type ProcessExitError,
  type SupervisorError,
} from '../src/index.js';
import {
  EXPECTED_OUTCOME,
  findMarkedProcesses,
  fixtureCommand,
  runScenario,
  type ScriptedSession,
  SESSION_MARKER_ENV,
  waitForPidsGone,
} from '../src/testing/index.js';
import { checkPidsAfterEach, pidCollector, trackPids } from './helpers/processes.js';

checkPidsAfterEach();

// Session markers are looked up machine-wide: ids unique to this run keep
// another suite's sessions with the same ids (running in parallel) out of it.
const run = process.pid.toString(36);
const markedBy = (sessionId: string) =>
  findMarkedProcesses({ name: SESSION_MARKER_ENV, value: sessionId });

/** Waits (bounded) until a session's whole tree is up, and returns its pids. */
async function treeOf(sessionId: string, size: number): Promise<number[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const pids = markedBy(sessionId);
    if (pids.length >= size) {
      trackPids(pids);
      return pids;
    }
    if (Date.now() > deadline) throw new Error(`only ${pids.length} of ${size} processes came up`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('process sessions through the session manager', () => {
  it("the seeds' scenario: five parallel sessions with mixed outcomes, one record each, no pid left", async () => {
    const { pids, inspect } = pidCollector();
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, inspect });
    const scripts: ScriptedSession[] = [
      { id: 'a-success', outcome: 'success' },
      { id: 'b-exit', outcome: 'exit', exitCode: 3 },
      { id: 'c-signal', outcome: 'signal', signal: 'SIGKILL' },
      { id: 'd-cancel', outcome: 'cancel', cancelAfterMs: 150 },
      { id: 'e-timeout', outcome: 'timeout', timeoutMs: 400 },
    ];
    const records = await runScenario(manager, scripts);
    expect(records.map((r) => [r.sessionId, r.outcome])).toEqual(
      scripts.map((s) => [s.id, EXPECTED_OUTCOME[s.outcome]]),
    );
    expect(records[1]!.restarts).toBe(2);
    expect(records[1]!.reason).toMatch(/exit(ed)? (with )?(code )?3/i);
    expect(records[2]!.reason).toMatch(/SIGKILL/);
    expect(records[3]!.reason).toBe('cancelled by the scenario');
    expect(manager.listSessions().map((s) => [s.id, s.state])).toEqual(
      scripts.map((s) => [s.id, EXPECTED_OUTCOME[s.outcome]]),
    );
    await manager.stop();
    const terminal = journal.records().filter((r) => r.type === 'terminal');
    expect(terminal.map((r) => r.sessionId).sort()).toEqual(scripts.map((s) => s.id));
    // 1 + 3 + 1 + 1 + 1 process runs.
    expect(pids.size).toBe(7);
    await waitForPidsGone([...pids]);
    for (const script of scripts) expect(markedBy(script.id)).toEqual([]);
  });

  const daemonTree = { mode: 'hang' as const, spawn: [{ setsid: true }, { spawn: [{}] }] };

  it('terminateSession kills the whole tree, a setsid grandchild included', async () => {
    const manager = await createSessionManager();
    manager.createSession({
      id: `tree-${run}`,
      children: [{ id: 'agent', logic: fromProcess(), input: fixtureCommand(daemonTree) }],
    });
    const pids = await treeOf(`tree-${run}`, 4);
    expect(pids).toHaveLength(4);
    const record = await manager.terminateSession(`tree-${run}`);
    expect(record.outcome).toBe('cancelled');
    await waitForPidsGone(pids, { timeoutMs: 1000 });
    await manager.stop();
  });

  it('stop() cancels every session and every process of each is gone', async () => {
    const manager = await createSessionManager();
    const [s1, s2] = [`s1-${run}`, `s2-${run}`];
    for (const id of [s1, s2]) {
      manager.createSession({
        id,
        children: [{ id: 'agent', logic: fromProcess(), input: fixtureCommand(daemonTree) }],
      });
    }
    const pids = [...(await treeOf(s1, 4)), ...(await treeOf(s2, 4))];
    await manager.stop();
    expect(manager.listSessions().map((s) => s.state)).toEqual(['cancelled', 'cancelled']);
    await waitForPidsGone(pids, { timeoutMs: 1000 });
  });

  it('a permanent process child that keeps crashing is restarted until intensity is exceeded, then its supervisor fails', async () => {
    const { pids, inspect } = pidCollector();
    const sup = createActor(
      createSupervisor({
        intensity: 2,
        period: 60_000,
        children: [
          { id: 'crashy', logic: fromProcess(), input: fixtureCommand({ mode: 'exit', code: 9 }) },
        ],
      }),
      { inspect },
    );
    const failed = new Promise<unknown>((resolve) => sup.subscribe({ error: resolve }));
    sup.start();
    const error = (await failed) as SupervisorError;
    expect(error.code).toBe('max_restart_intensity');
    expect((error.cause as ProcessExitError).exitCode).toBe(9);
    expect(pids.size).toBe(3);
    await waitForPidsGone([...pids]);
  });

  it('a command that does not exist is a spawn_failed error handled by the policy, not a crash', async () => {
    const manager = await createSessionManager();
    const ghost = await manager.createSession({
      id: 'ghost',
      intensity: 1,
      autoShutdown: 'any_significant',
      children: [
        {
          id: 'agent',
          logic: fromProcess(),
          input: { command: 'definitely-not-a-command-xstate-otp' },
          restart: 'transient',
          significant: true,
        },
      ],
    }).done;
    expect(ghost.outcome).toBe('failed');
    expect(ghost.restarts).toBe(1);
    expect(ghost.reason).toMatch(/definitely-not-a-command-xstate-otp/);
    await manager.stop();
  });
});
