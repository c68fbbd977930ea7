/**
 * The cluster store on a real nats-server, no manager: claims, fenced
 * appends, the change feed, requests, history, and what a restarted host
 * finds. Every test has its own prefix on one shared server.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ClusterError, SessionError } from '../src/ground/errors.js';
import { monotonicNowMs } from '../src/ground/monotonic.js';
import { isPidAlive } from '../src/testing/processes.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import {
  nextEvent,
  rawRecords,
  recordEvents,
  rejection,
  startSession,
  storeTracker,
  terminal,
  uniquePrefix,
} from './helpers/nats-stores.js';

natsSuite('cluster store', () => {
  let server: SingleNats;
  const stores = storeTracker();

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  it('racing claims of one id on two hosts: exactly one wins, per id', async () => {
    const prefix = uniquePrefix();
    const a = await stores.open(server.url, 'host-a', { prefix });
    const b = await stores.open(server.url, 'host-b', { prefix });
    const ids = Array.from({ length: 10 }, (_, i) => `race-${i}`);
    const results = await Promise.allSettled(
      ids.flatMap((id) => [a, b, a, b].map(({ store }) => store.claim(id, { createdAt: 1 }))),
    );
    for (let i = 0; i < ids.length; i++) {
      const four = results.slice(i * 4, i * 4 + 4);
      expect(four.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const lost of four.filter((r) => r.status === 'rejected')) {
        expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(SessionError);
        expect((lost as PromiseRejectedResult).reason.code).toBe('duplicate_id');
      }
      // The loser wrote nothing: one owner record, the winner's.
      const records = await rawRecords(server.url, prefix, ids[i]!);
      expect(records.map((r) => r.record.type)).toEqual(['owner']);
    }
  });

  it('an id used before is refused for ever, also after its owner released it', async () => {
    const prefix = uniquePrefix();
    const a = await stores.open(server.url, 'host-a', { prefix });
    const b = await stores.open(server.url, 'host-b', { prefix });
    await startSession(a.store, 'once');
    await a.store.append(terminal('once', 'completed'));
    await a.store.release('once');
    const before = await rawRecords(server.url, prefix, 'once');
    for (const store of [a.store, b.store]) {
      const error = await rejection(store.claim('once', { createdAt: 2 }));
      expect(error).toBeInstanceOf(SessionError);
      expect(error.code).toBe('duplicate_id');
    }
    expect(await rawRecords(server.url, prefix, 'once')).toEqual(before);
    // A live one is refused too.
    await startSession(a.store, 'live');
    expect((await rejection(b.store.claim('live', { createdAt: 3 }))).code).toBe('duplicate_id');
  });

  it('refuses ids that are not one subject token', async () => {
    const a = await stores.open(server.url, 'host-a', { prefix: uniquePrefix() });
    for (const id of ['a.b', 'a>', '*', '', 'x'.repeat(65), 'sp ace']) {
      const error = await rejection(a.store.claim(id, { createdAt: 1 }));
      expect(error).toBeInstanceOf(SessionError);
      expect(error.code).toBe('invalid_id');
    }
  });

  it('appends land in call order; another host sees each session within 100 ms', async () => {
    const prefix = uniquePrefix();
    const a = await stores.open(server.url, 'host-a', { prefix });
    const b = await stores.open(server.url, 'host-b', { prefix });
    const created = nextEvent(b.store, (e) => e.type === 'session' && e.summary.sessionId === 's1');
    const sentAt = performance.now();
    await startSession(a.store, 's1', { label: 'one' });
    const seen = await created;
    expect(seen.receivedAt - sentAt).toBeLessThan(100);
    expect(seen.type === 'session' && seen.summary).toMatchObject({
      sessionId: 's1',
      host: 'host-a',
      metadata: { label: 'one' },
    });
    const ended = nextEvent(
      b.store,
      (e) => e.type === 'session' && e.summary.terminal !== undefined,
    );
    await Promise.all([
      a.store.append({ type: 'note', sessionId: 's1', at: Date.now(), n: 1 }),
      a.store.append({ type: 'note', sessionId: 's1', at: Date.now(), n: 2 }),
      a.store.append(terminal('s1', 'completed')),
    ]);
    const end = await ended;
    expect(end.type === 'session' && end.summary).toMatchObject({
      sessionId: 's1',
      host: 'host-a',
      terminal: { outcome: 'completed' },
    });
    const records = await rawRecords(server.url, prefix, 's1');
    expect(records.map((r) => [r.record.type, (r.record as { n?: number }).n])).toEqual([
      ['owner', undefined],
      ['created', undefined],
      ['started', undefined],
      ['note', 1],
      ['note', 2],
      ['terminal', undefined],
    ]);
    // The host's own sessions are not echoed back to it.
    const own = recordEvents(a.store);
    const second = nextEvent(b.store, (e) => e.type === 'session' && e.summary.sessionId === 's2');
    await startSession(a.store, 's2');
    await second;
    expect(own).toEqual([]);
  });

  it('a second incarnation of a host reclaims its sessions; the first is fenced and writes nothing', async () => {
    const prefix = uniquePrefix();
    const first = await stores.open(server.url, 'host-a', { prefix });
    await startSession(first.store, 'f1');
    await startSession(first.store, 'f2');
    await first.store.append(terminal('f2', 'completed'));
    const leaseLost = nextEvent(
      first.store,
      (e) => e.type === 'fenced' && e.sessionIds === undefined,
    );
    const second = await stores.open(server.url, 'host-a', { prefix });
    expect(second.leftovers.map((s) => s.sessionId)).toEqual(['f1']);
    expect(second.known.map((s) => [s.sessionId, s.terminal?.outcome])).toEqual([
      ['f1', undefined],
      ['f2', 'completed'],
    ]);
    const before = await rawRecords(server.url, prefix, 'f1');
    const refused = await rejection(
      first.store.append({ type: 'note', sessionId: 'f1', at: Date.now() }),
    );
    expect(refused).toBeInstanceOf(ClusterError);
    expect(refused.code).toBe('fenced');
    expect(await rawRecords(server.url, prefix, 'f1')).toEqual(before);
    // The new incarnation ends the leftover, once.
    await second.store.append(terminal('f1', 'interrupted'));
    await second.store.release('f1');
    const records = await rawRecords(server.url, prefix, 'f1');
    expect(records.filter((r) => r.record.type === 'terminal')).toHaveLength(1);
    expect(records.map((r) => r.record.type)).toEqual([
      'owner',
      'created',
      'started',
      'owner',
      'terminal',
    ]);
    // At its next renewal the first incarnation finds its lease taken by
    // another process: it stays out for good.
    expect(await leaseLost).toMatchObject({
      reason: expect.stringContaining('taken by another process'),
    });
    expect((await rejection(first.store.claim('f3', { createdAt: 1 }))).code).toBe('fenced');
  });

  it('a host that closes with sessions left hands them to a survivor at once', async () => {
    const prefix = uniquePrefix();
    const a = await stores.open(server.url, 'host-a', { prefix });
    const b = await stores.open(server.url, 'host-b', { prefix });
    await startSession(a.store, 'left');
    const ended = nextEvent(
      b.store,
      (e) => e.type === 'session' && e.summary.terminal !== undefined,
    );
    const closedAt = performance.now();
    await a.store.close();
    const event = await ended;
    expect(event.receivedAt - closedAt).toBeLessThan(1000);
    expect(event.type === 'session' && event.summary.terminal).toMatchObject({
      sessionId: 'left',
      outcome: 'interrupted',
      reason: 'host host-a left the cluster',
      host: 'host-a',
    });
  });

  it('locate, request and serve reach the owner host; nobody serving is not_found', async () => {
    const prefix = uniquePrefix();
    const a = await stores.open(server.url, 'host-a', { prefix });
    const b = await stores.open(server.url, 'host-b', { prefix });
    await startSession(a.store, 'r1');
    expect(await b.store.locate('r1')).toEqual({ hostId: 'host-a' });
    expect(await b.store.locate('nobody')).toBeUndefined();
    const handled: unknown[] = [];
    a.store.serve(async (message) => {
      handled.push(message);
      if (message.type === 'send' && message.childId === 'missing') {
        throw new SessionError('not_found', 'no child missing', { sessionId: message.sessionId });
      }
      return { done: true };
    });
    const reply = await b.store.request('host-a', {
      type: 'send',
      sessionId: 'r1',
      childId: 'agent',
      event: { type: 'PING' },
    });
    expect(reply).toEqual({ done: true });
    const missing = await rejection(
      b.store.request('host-a', {
        type: 'send',
        sessionId: 'r1',
        childId: 'missing',
        event: { type: 'PING' },
      }),
    );
    expect(missing).toBeInstanceOf(SessionError);
    expect(missing.code).toBe('not_found');
    expect(handled).toHaveLength(2);
    const absent = await rejection(
      b.store.request('host-z', { type: 'terminate', sessionId: 'r1' }),
    );
    expect(absent).toBeInstanceOf(SessionError);
    expect(absent.code).toBe('not_found');
  });

  it('history: ended sessions newest first, paged with before; read gives one whole session', async () => {
    const prefix = uniquePrefix();
    const a = await stores.open(server.url, 'host-a', { prefix });
    const ids = ['h1', 'h2', 'h3', 'h4', 'h5'];
    // Distinct end times, so that paging by `before` (exclusive) splits cleanly.
    let endedAt = Date.now();
    for (const id of ids) {
      await startSession(a.store, id);
      endedAt += 10;
      await a.store.append({ ...terminal(id, 'completed', 5), endedAt } as never);
      await a.store.release(id);
    }
    await startSession(a.store, 'still-running');
    const page = await a.store.history({ limit: 3 });
    expect(page.map((s) => s.sessionId)).toEqual(['h5', 'h4', 'h3']);
    const next = await a.store.history({ limit: 3, before: page[2]!.terminal!.endedAt });
    expect(next.map((s) => s.sessionId)).toEqual(['h2', 'h1']);
    const one = await a.store.read('h2');
    expect(one).toMatchObject({
      sessionId: 'h2',
      host: 'host-a',
      terminal: { outcome: 'completed' },
    });
    expect(one?.startedAt).toEqual(expect.any(Number));
    expect(await a.store.read('never')).toBeUndefined();
  });

  it('a host opening later knows every session of the cluster and ends nothing of the living', async () => {
    const prefix = uniquePrefix();
    const a = await stores.open(server.url, 'host-a', { prefix });
    await startSession(a.store, 'k1');
    await startSession(a.store, 'k2');
    await a.store.append(terminal('k2', 'failed'));
    await a.store.release('k2');
    const b = await stores.open(server.url, 'host-b', { prefix });
    expect(b.leftovers).toEqual([]);
    expect(b.known.map((s) => [s.sessionId, s.host, s.terminal?.outcome])).toEqual([
      ['k1', 'host-a', undefined],
      ['k2', 'host-a', 'failed'],
    ]);
    // k1 goes on: host-a still holds it.
    await a.store.append({ type: 'note', sessionId: 'k1', at: Date.now() });
  });

  it('every host of a prefix must use the same leaseMs; a store tells its lease deadline (for the watchdog) once open and again at each renewal', async () => {
    const prefix = uniquePrefix();
    const openedAt = monotonicNowMs();
    const a = await stores.open(server.url, 'host-a', { prefix, leaseMs: 1000 });
    const deadlines: number[] = [];
    let renewed = () => {};
    const moved = new Promise<void>((resolve) => {
      renewed = resolve;
    });
    const unsubscribe = a.store.onLeaseDeadline!((ms) => {
      deadlines.push(ms);
      if (deadlines.length > 1) renewed();
    });
    // The latest at once: the join's send time + leaseMs, on the monotonic clock (rounded down).
    expect(deadlines).toHaveLength(1);
    expect(deadlines[0]).toBeGreaterThanOrEqual(Math.floor(openedAt) + 1000 - 1);
    expect(deadlines[0]).toBeLessThanOrEqual(monotonicNowMs() + 1000);
    // The next renewal (every leaseMs / 5) moves it.
    await moved;
    expect(deadlines[1]).toBeGreaterThan(deadlines[0]!);
    expect(deadlines[1]).toBeLessThanOrEqual(monotonicNowMs() + 1000);
    unsubscribe();
    const error = await rejection(stores.open(server.url, 'host-b', { prefix, leaseMs: 2000 }));
    expect(error).toBeInstanceOf(SessionError);
    expect(error.code).toBe('invalid_option');
    expect(error.message).toContain('leaseMs');
  });
});
