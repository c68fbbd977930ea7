/**
 * Durable sessions on one host: session types, checkpoints, `send` that
 * waits for durability, hand-off and resume, and the sessions that cannot
 * resume. The kill -9 cases are in durable-kill.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { createMachine } from 'xstate';
import {
  createMemoryJournal,
  createSessionManager,
  type JournalRecord,
  type SupervisorError,
} from '../src/index.js';
import { counterMachine, durableTypes } from './helpers/durable.js';

const countOf = (manager: Awaited<ReturnType<typeof createSessionManager>>, id: string) =>
  (manager.getChild(id, 'counter')!.getSnapshot() as { context: { count: number } }).context.count;

const ofType = (records: JournalRecord[], type: string) => records.filter((r) => r.type === type);

async function ended(manager: Awaited<ReturnType<typeof createSessionManager>>, id: string) {
  await vi.waitFor(() => expect(manager.getSession(id)?.outcome).toBeDefined(), {
    timeout: 5000,
    interval: 5,
  });
  return manager.getSession(id)!;
}

describe('session types', () => {
  it('refuses an unknown type, a type with children, and input that is not plain JSON (invalid_spec)', async () => {
    const manager = await createSessionManager({ sessionTypes: durableTypes });
    const code = (spec: object) => {
      try {
        manager.createSession(spec as never);
      } catch (error) {
        return [(error as SupervisorError).code, (error as Error).message];
      }
      return undefined;
    };
    const [unknown, message] = code({ id: 'u', type: 'nope' })!;
    expect(unknown).toBe('invalid_spec');
    expect(message).toContain('unknown session type "nope"');
    expect(message).toContain('"counter"');
    expect(code({ id: 'c', type: 'counter', children: [] })![0]).toBe('invalid_spec');
    expect(code({ id: 'd', type: 'counter', input: { at: new Date() } })![0]).toBe('invalid_spec');
    expect(code({ id: 'e', input: { a: 1 } })![0]).toBe('invalid_spec');
    expect(manager.listSessions()).toEqual([]);
    await manager.stop();
  });

  it('a durable session journals its type and input, and each state its machine child reaches', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, sessionTypes: durableTypes });
    const session = manager.createSession({ id: 'c1', type: 'counter', input: { n: 1 } });
    expect(manager.getSession('c1')?.attempt).toBe(1);
    for (let i = 0; i < 3; i++) await manager.send('c1', 'counter', { type: 'INC' });
    const records = await manager.records('c1');
    expect(records[0]).toMatchObject({
      type: 'created',
      durable: { type: 'counter', input: { n: 1 } },
    });
    // Once per change; the start's state (0) was still waiting for its batch
    // when the first INC replaced it.
    const counts = ofType(records, 'checkpoint').map(
      (r) =>
        ((r as { snapshot: unknown }).snapshot as { context: { count: number } }).context.count,
    );
    expect(counts).toEqual([1, 2, 3]);
    await manager.send('c1', 'counter', { type: 'FINISH' });
    const terminal = await session.done;
    expect(terminal).toMatchObject({ outcome: 'completed', attempts: 1 });
    await manager.stop();
  });

  it('coalesces a burst of events into one checkpoint per child (the latest wins)', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, sessionTypes: durableTypes });
    manager.createSession({ id: 'burst', type: 'counter' });
    await manager.send('burst', 'counter', { type: 'INC' });
    const child = manager.getChild('burst', 'counter')!;
    for (let i = 0; i < 50; i++) child.send({ type: 'INC' });
    await manager.send('burst', 'counter', { type: 'INC' });
    const counts = ofType(await manager.records('burst'), 'checkpoint').map(
      (r) =>
        ((r as { snapshot: unknown }).snapshot as { context: { count: number } }).context.count,
    );
    expect(counts).toEqual([1, 52]);
    await manager.stop();
  });

  it('a snapshot that is not plain JSON fails the session with a clear reason; the host runs on', async () => {
    const manager = await createSessionManager({ sessionTypes: durableTypes });
    const session = manager.createSession({ id: 'dated', type: 'counter' });
    await expect(manager.send('dated', 'counter', { type: 'TOUCH' })).rejects.toMatchObject({
      code: 'not_durable',
    });
    const terminal = await session.done;
    expect(terminal.outcome).toBe('failed');
    expect(terminal.reason).toContain('cannot checkpoint a durable session');
    expect(terminal.reason).toContain('Date');
    const next = manager.createSession({ id: 'next', type: 'counter' });
    await manager.send('next', 'counter', { type: 'FINISH' });
    expect((await next.done).outcome).toBe('completed');
    await manager.stop();
  });
});

describe('hand-off and resume', () => {
  it('stop({ handOff: true }) releases durable sessions; the next manager resumes them where they were', async () => {
    const journal = createMemoryJournal();
    const first = await createSessionManager({
      journal,
      hostId: 'one',
      sessionTypes: durableTypes,
    });
    const durable = first.createSession({ id: 'h1', type: 'counter', metadata: { who: 'me' } });
    const plain = first.createSession({
      id: 'p1',
      autoShutdown: 'any_significant',
      children: [{ id: 'counter', logic: counterMachine, restart: 'transient', significant: true }],
    });
    for (let i = 0; i < 4; i++) await first.send('h1', 'counter', { type: 'INC' });
    await first.stop({ handOff: true });
    await expect(durable.done).rejects.toMatchObject({ code: 'stopped' });
    expect((await plain.done).outcome).toBe('cancelled');
    expect(ofType(journal.records(), 'terminal').map((r) => r.sessionId)).toEqual(['p1']);

    const second = await createSessionManager({
      journal,
      hostId: 'two',
      sessionTypes: durableTypes,
    });
    const view = second.getSession('h1')!;
    expect(view).toMatchObject({ state: 'running', attempt: 2, metadata: { who: 'me' } });
    expect(view.createdAt).toBe((await second.records('h1'))[0]!.at);
    expect(countOf(second, 'h1')).toBe(4);
    expect(ofType(await second.records('h1'), 'resumed')).toMatchObject([
      { attempt: 2, host: 'two', from: 'one' },
    ]);
    await second.send('h1', 'counter', { type: 'INC' });
    await second.send('h1', 'counter', { type: 'FINISH' });
    const view2 = await ended(second, 'h1');
    expect(view2).toMatchObject({ outcome: 'completed', attempt: 2 });
    await second.stop();
    const terminals = ofType(journal.records(), 'terminal').filter((r) => r.sessionId === 'h1');
    expect(terminals).toMatchObject([{ outcome: 'completed', attempts: 2 }]);
  });

  it('a child that had finished stays finished: an acknowledged FINISH of a non-significant child survives the resume', async () => {
    const idle = createMachine({ id: 'idle', initial: 'idle', states: { idle: {} } });
    const sessionTypes = {
      pair: () => ({
        children: [
          { id: 'counter', logic: counterMachine, restart: 'transient' as const },
          { id: 'main', logic: idle },
        ],
      }),
    };
    const journal = createMemoryJournal();
    const first = await createSessionManager({ journal, sessionTypes });
    first.createSession({ id: 'p1', type: 'pair' });
    await first.send('p1', 'counter', { type: 'INC' });
    await first.send('p1', 'counter', { type: 'FINISH' });
    expect(first.getSession('p1')!.children).toContainEqual({ id: 'counter', status: 'stopped' });
    await first.stop({ handOff: true });

    const second = await createSessionManager({ journal, sessionTypes });
    expect(second.getSession('p1')).toMatchObject({ state: 'running', attempt: 2, restarts: 0 });
    expect(second.getSession('p1')!.children).toEqual([
      { id: 'counter', status: 'stopped' },
      expect.objectContaining({ id: 'main', status: 'running' }),
    ]);
    expect(second.getChild('p1', 'counter')).toBeUndefined();
    await second.stop();
  });

  it("resume: 'never' ends the session interrupted, saying why", async () => {
    const journal = createMemoryJournal();
    const first = await createSessionManager({ journal, sessionTypes: durableTypes });
    first.createSession({ id: 'f1', type: 'fragile' });
    await first.send('f1', 'counter', { type: 'INC' });
    await first.stop({ handOff: true });
    const second = await createSessionManager({ journal, sessionTypes: durableTypes });
    expect(second.getSession('f1')).toMatchObject({ state: 'interrupted' });
    expect(second.getSession('f1')!.reason).toContain(`"counter" has resume: 'never'`);
    await second.stop();
    expect(ofType(journal.records(), 'terminal')).toHaveLength(1);
  });

  it('a manager without the type ends the session interrupted, naming the type; it is not resumed later', async () => {
    const journal = createMemoryJournal();
    const first = await createSessionManager({ journal, sessionTypes: durableTypes });
    first.createSession({ id: 'x1', type: 'counter' });
    await first.stop({ handOff: true });
    const second = await createSessionManager({ journal });
    expect(second.getSession('x1')).toMatchObject({ state: 'interrupted', attempt: 1 });
    expect(second.getSession('x1')!.reason).toContain('no session type "counter"');
    await second.stop();
    const third = await createSessionManager({ journal, sessionTypes: durableTypes });
    expect(third.getSession('x1')?.state).toBe('interrupted');
    await third.stop();
    expect(ofType(journal.records(), 'terminal')).toHaveLength(1);
  });

  it('keeps the absolute deadline: timeoutMs counts from creation, not from the resume', async () => {
    const journal = createMemoryJournal();
    const first = await createSessionManager({ journal, sessionTypes: durableTypes });
    first.createSession({ id: 't1', type: 'counter', timeoutMs: 60_000 });
    await first.stop({ handOff: true });
    const created = journal.records().find((r) => r.type === 'created')!;
    expect(created).toMatchObject({ durable: { type: 'counter', timeoutMs: 60_000 } });
    // Its deadline long past, the resumed attempt times out at once.
    const late = journal
      .records()
      .map((r) => (r.type === 'created' ? { ...r, at: r.at - 120_000 } : r));
    const second = await createSessionManager({
      journal: createMemoryJournal(late),
      sessionTypes: durableTypes,
    });
    const view = await ended(second, 't1');
    expect(view).toMatchObject({ outcome: 'timed_out', attempt: 2 });
    expect(view.reason).toBe('no outcome within 60000 ms');
    await second.stop();
  });
});
