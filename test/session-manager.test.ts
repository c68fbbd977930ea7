import { describe, expect, test } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  createMemoryJournal,
  createSessionManager,
  type SessionSpec,
  sessionSupervisorKey,
  whichChildren,
} from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

function agentSession(id: string, extra: Partial<SessionSpec> = {}): SessionSpec {
  return {
    id,
    autoShutdown: 'any_significant',
    intensity: 1,
    children: [
      ...workerSpecs(['helper'], []),
      ...workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
    ],
    ...extra,
  };
}

describe('session manager', () => {
  test('mixed outcomes side by side; failures change nothing in their siblings', async () => {
    const clock = new SimulatedClock();
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, clock });
    const ids = ['completes', 'fails', 'cancelled', 'times-out', 'keeps-running'];
    const sessions = ids.map((id) => {
      clock.increment(1);
      return manager.createSession(agentSession(id, id === 'times-out' ? { timeoutMs: 1000 } : {}));
    });
    expect(manager.listSessions().map((s) => [s.id, s.state])).toEqual(
      ids.map((id) => [id, 'running']),
    );
    const runningRefs = whichChildren(manager.findSupervisor('keeps-running')!).map((c) => c.ref);
    const runningRow = manager.getSession('keeps-running');

    manager.getChild('completes', 'agent')!.send({ type: 'FINISH' });
    manager.getChild('fails', 'helper')!.send({ type: 'CRASH' });
    manager.getChild('fails', 'helper')!.send({ type: 'CRASH' });
    const cancelled = manager.terminateSession('cancelled', 'user asked');
    clock.increment(998);
    expect(manager.getSession('times-out')!.state).toBe('running');
    clock.increment(1);

    const records = await Promise.all(sessions.slice(0, 4).map((s) => s.done));
    expect(records.map((r) => [r.sessionId, r.outcome])).toEqual([
      ['completes', 'completed'],
      ['fails', 'failed'],
      ['cancelled', 'cancelled'],
      ['times-out', 'timed_out'],
    ]);
    expect(await cancelled).toBe(records[2]);
    expect(records[1]!.reason).toMatch(/maximum restart intensity/);
    expect(records[1]!.restarts).toBe(1);
    expect(records[2]!.reason).toBe('user asked');
    // Created at t=4, due 1000 ms later.
    expect(records[3]!.endedAt).toBe(1004);

    // The survivor is untouched: same children, same registry entry, same row.
    expect(whichChildren(manager.findSupervisor('keeps-running')!).map((c) => c.ref)).toEqual(
      runningRefs,
    );
    expect(manager.getSession('keeps-running')).toBe(runningRow);
    expect(manager.registry.keys('session_supervisor:')).toEqual([
      sessionSupervisorKey('keeps-running'),
    ]);
    expect(manager.listSessions().map((s) => [s.id, s.state])).toEqual([
      ['completes', 'completed'],
      ['fails', 'failed'],
      ['cancelled', 'cancelled'],
      ['times-out', 'timed_out'],
      ['keeps-running', 'running'],
    ]);

    await manager.stop();
    const terminal = journal.records().filter((r) => r.type === 'terminal');
    expect(terminal.map((r) => [r.sessionId, (r as { outcome: string }).outcome])).toEqual([
      ['completes', 'completed'],
      ['fails', 'failed'],
      ['cancelled', 'cancelled'],
      ['times-out', 'timed_out'],
      ['keeps-running', 'cancelled'],
    ]);
  });

  test('the registry key lives exactly as long as the session; getChild follows a restarted child', async () => {
    const manager = await createSessionManager();
    const session = manager.createSession(agentSession('s1', { intensity: 5 }));
    const supervisor = manager.findSupervisor('s1')!;
    expect(supervisor.getSnapshot().status).toBe('active');
    const before = manager.getChild('s1', 'helper')!;
    before.send({ type: 'CRASH' });
    const after = manager.getChild('s1', 'helper')!;
    expect(after).not.toBe(before);
    expect(after.getSnapshot().status).toBe('active');
    expect(manager.getSession('s1')!.restarts).toBe(1);
    manager.getChild('s1', 'agent')!.send({ type: 'FINISH' });
    expect(manager.findSupervisor('s1')).toBeUndefined();
    expect(manager.getChild('s1', 'helper')).toBeUndefined();
    expect((await session.done).outcome).toBe('completed');
    await manager.stop();
  });
});
