import { hostname } from 'node:os';
import { describe, expect, test } from 'vitest';
import { createMemoryJournal, createSessionManager } from '../src/index.js';
import { agentSessionSpec } from './helpers/workers.js';

const agentSession = (id: string) => agentSessionSpec(id, { helper: true });

describe('send, locate and hostId on one host', () => {
  test('hostId defaults to the hostname; views and terminal records carry it as host', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal });
    expect(manager.hostId).toBe(hostname());
    const session = manager.createSession(agentSession('a'));
    expect(manager.getSession('a')).toMatchObject({ host: hostname() });
    await manager.send('a', 'agent', { type: 'FINISH' });
    const record = await session.done;
    expect(record).toMatchObject({ outcome: 'completed', host: hostname() });
    expect(journal.records().find((r) => r.type === 'created')).toMatchObject({ host: hostname() });
    await manager.stop();
  });

  test('send delivers to the child, resolving once delivered', async () => {
    const manager = await createSessionManager({ hostId: 'worker-1' });
    const session = manager.createSession(agentSession('s'));
    const agent = manager.getChild('s', 'agent')!;
    const delivered = manager.send('s', 'agent', { type: 'FINISH' });
    await delivered;
    expect(agent.getSnapshot().status).toBe('done');
    expect((await session.done).outcome).toBe('completed');
    await manager.stop();
  });

  test('send rejects not_found for an unknown session, an unknown child and an ended session', async () => {
    const manager = await createSessionManager({ hostId: 'worker-1' });
    const session = manager.createSession(agentSession('s'));
    await expect(manager.send('nope', 'agent', { type: 'FINISH' })).rejects.toMatchObject({
      name: 'SessionError',
      code: 'not_found',
    });
    await expect(manager.send('s', 'nobody', { type: 'FINISH' })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/no running child "nobody"/),
    });
    await manager.terminateSession('s');
    await session.done;
    await expect(manager.send('s', 'agent', { type: 'FINISH' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await manager.stop();
  });

  test('send rejects invalid_event for what is not an event, and the child never sees it', async () => {
    const manager = await createSessionManager({ hostId: 'worker-1' });
    const session = manager.createSession(agentSession('s'));
    const agent = manager.getChild('s', 'agent')!;
    const bad: [unknown, RegExp][] = [
      [null, /got null\.$/],
      [undefined, /got undefined\.$/],
      ['FINISH', /got "FINISH"\.$/],
      [[{ type: 'FINISH' }], /got \[\{"type":"FINISH"\}\]\.$/],
      [{}, /"type" is undefined\.$/],
      [{ type: 42 }, /"type" is 42\.$/],
      [{ type: { name: 'FINISH' } }, /"type" is \{"name":"FINISH"\}\.$/],
    ];
    for (const [event, message] of bad) {
      // More bad sends than the session's restart intensity allows crashes.
      for (const sessionId of ['s', 'nope']) {
        await expect(manager.send(sessionId, 'agent', event as never)).rejects.toMatchObject({
          name: 'SessionError',
          code: 'invalid_event',
          sessionId,
          message: expect.stringMatching(message),
        });
      }
    }
    // One host: an event may carry what JSON cannot (refs, functions, bigints).
    await manager.send('s', 'helper', { type: 'NOTED', ref: agent, at: 1n } as never);
    expect(manager.getChild('s', 'agent')).toBe(agent);
    expect(manager.getSession('s')).toMatchObject({ state: 'running', restarts: 0 });
    await manager.send('s', 'agent', { type: 'FINISH' });
    expect(await session.done).toMatchObject({ outcome: 'completed', restarts: 0 });
    await manager.stop();
  });

  test('what cannot be a session id or a child id names none: send rejects not_found, locate finds nothing', async () => {
    const manager = await createSessionManager();
    manager.createSession(agentSession('s'));
    for (const id of ['', 'a b', '../x', 42, Symbol('s'), null]) {
      await expect(manager.send(id as never, 'agent', { type: 'FINISH' })).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(await manager.locate(id as never)).toBeUndefined();
    }
    for (const childId of [Symbol('c'), 42, null]) {
      await expect(manager.send('s', childId as never, { type: 'FINISH' })).rejects.toMatchObject({
        code: 'not_found',
        message: expect.stringMatching(/has no running child/),
      });
    }
    await manager.stop();
  });

  test('locate: this host for a live session, undefined for an unknown or ended one', async () => {
    const manager = await createSessionManager({ hostId: 'worker-1' });
    manager.createSession(agentSession('s'));
    expect(await manager.locate('s')).toEqual({ hostId: 'worker-1', local: true });
    expect(await manager.locate('nope')).toBeUndefined();
    await manager.terminateSession('s');
    expect(await manager.locate('s')).toBeUndefined();
    await manager.stop();
  });
});
