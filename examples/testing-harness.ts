/**
 * A consumer's test harness built on `xstate-otp/testing`: scripted
 * mixed-outcome scenarios, proof that no process outlives its session, and
 * deadlines driven by a simulated clock.
 *
 *   npm run build && npx node examples/testing-harness.ts
 *
 * Written with `node:assert` so it runs anywhere; the same code sits just as
 * well inside a vitest or node:test `it(...)`.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createMachine, type InspectionEvent, SimulatedClock } from 'xstate';
import { createMemoryJournal, createSessionManager, type TerminalRecord } from 'xstate-otp';
import {
  EXPECTED_OUTCOME,
  runScenario,
  type ScriptedSession,
  waitForPidsGone,
} from 'xstate-otp/testing';

/** Every pid a system's process actors reveal: root pids and the fixture's `pid:` announcements. */
function pidCollector() {
  const pids = new Set<number>();
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.event') return;
    const payload = event.event as { type: string; pid?: number; lines?: string[] };
    if (payload.type === 'process.started' && payload.pid !== undefined) pids.add(payload.pid);
    for (const line of payload.type === 'process.output' ? (payload.lines ?? []) : []) {
      const match = /^pid:(\d+)$/.exec(line);
      if (match) pids.add(Number(match[1]));
    }
  };
  return { pids, inspect };
}

/** 1. Mixed outcomes: each script leads to its expected outcome, recorded exactly once. */
export async function mixedOutcomes(): Promise<TerminalRecord[]> {
  const journal = createMemoryJournal();
  const { pids, inspect } = pidCollector();
  const manager = await createSessionManager({ journal, inspect });
  const scripts: ScriptedSession[] = [
    { id: 'ok', outcome: 'success' },
    { id: 'flaky', outcome: 'exit', exitCode: 3, intensity: 1 },
    { id: 'oom', outcome: 'signal', signal: 'SIGKILL' },
    { id: 'abandoned', outcome: 'cancel', cancelAfterMs: 100 },
    { id: 'stuck', outcome: 'timeout', timeoutMs: 200 },
    // An agent that leaves a daemon behind (setsid): it must die with the session.
    { id: 'leaky', outcome: 'success', spawn: [{ setsid: true }] },
  ];
  const records = await runScenario(manager, scripts);
  await manager.stop();

  assert.deepEqual(
    records.map((record) => record.outcome),
    scripts.map((script) => EXPECTED_OUTCOME[script.outcome]),
  );
  assert.equal(records[1]!.restarts, 1);
  const terminal = journal.records().filter((record) => record.type === 'terminal');
  assert.deepEqual(
    terminal.map((record) => record.sessionId).sort(),
    scripts.map((s) => s.id).sort(),
  );

  // 2. No process outlives its session, the daemon included.
  assert.ok(pids.size >= 8, `expected at least 8 pids, saw ${pids.size}`);
  await waitForPidsGone(pids, { timeoutMs: 2000 });
  return records;
}

/** 3. Deadlines on a simulated clock: no waiting, no flakiness. */
export async function deadlineOnSimulatedClock(): Promise<TerminalRecord> {
  const clock = new SimulatedClock();
  const manager = await createSessionManager({ clock });
  const idle = createMachine({ id: 'idle', initial: 'waiting', states: { waiting: {} } });
  const session = manager.createSession({
    id: 'slow-agent',
    timeoutMs: 60_000,
    children: [{ id: 'agent', logic: idle }],
  });
  clock.increment(59_999);
  assert.equal(manager.getSession('slow-agent')?.state, 'running');
  clock.increment(1);
  const record = await session.done;
  assert.equal(record.outcome, 'timed_out');
  assert.equal(record.endedAt - record.createdAt, 60_000);
  await manager.stop();
  return record;
}

export async function main(options: { log?: (line: string) => void } = {}) {
  const log = options.log ?? console.log;
  const records = await mixedOutcomes();
  log(
    `mixed outcomes: ${records.map((r) => `${r.sessionId} ${r.outcome}`).join(', ')}; no process left`,
  );
  const timedOut = await deadlineOnSimulatedClock();
  log(`simulated clock: ${timedOut.sessionId} ${timedOut.outcome} after exactly 60000 ms`);
  return { records, timedOut };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
