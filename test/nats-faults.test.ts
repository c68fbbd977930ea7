/**
 * Cluster mode when NATS misbehaves: unreachable, without JetStream, gone
 * for less than a lease (survived, nothing lost) and for more (the host
 * fences itself on its own clock, then rejoins and ends what it lost).
 */
import { afterEach, expect, it } from 'vitest';
import { ClusterError } from '../src/ground/errors.js';
import type { StoreEvent } from '../src/manager/store.js';
import { natsCluster } from '../src/nats/index.js';
import { isPidAlive } from '../src/testing/processes.js';
import { freePort, natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import {
  nextEvent,
  rawRecords,
  rejection,
  startSession,
  storeTracker,
  uniquePrefix,
} from './helpers/nats-stores.js';

natsSuite('cluster faults', () => {
  const servers: SingleNats[] = [];
  const started = async (options?: Parameters<typeof startNatsServer>[0]) => {
    const server = await startNatsServer(options);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      const pids = [server.pid];
      await server.dispose();
      for (const pid of pids) expect(isPidAlive(pid)).toBe(false);
    }
  });
  // Registered after the servers' hook, so it runs before it (after-hooks
  // run in reverse): stores close while their server is still up, instead
  // of losing their lease and retrying against a dead one.
  const stores = storeTracker();

  it('NATS unreachable at start: unavailable within seconds', async () => {
    const port = await freePort();
    const startedAt = performance.now();
    const error = await rejection(
      natsCluster({ servers: `nats://127.0.0.1:${port}` }).open({
        hostId: 'lonely',
        now: () => Date.now(),
      }),
    );
    expect(error).toBeInstanceOf(ClusterError);
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(performance.now() - startedAt).toBeLessThan(5000);
  });

  it('a server that wants credentials: unavailable without them, open with them', async () => {
    const server = await started({ credentials: { user: 'alice', pass: 's3cret' } });
    const prefix = uniquePrefix();
    const refused = await rejection(stores.open(server.url, 'host-a', { prefix }));
    expect(refused).toBeInstanceOf(ClusterError);
    expect(refused.code).toBe('unavailable');
    expect(refused.message).toMatch(/authorization/i);
    const { store } = await stores.open(server.url, 'host-a', {
      prefix,
      connection: { user: 'alice', pass: 's3cret' },
    });
    await startSession(store, 'authorised');
  });

  it('a server without JetStream: unsupported_server', async () => {
    const server = await started({ jetstream: false });
    const error = await rejection(stores.open(server.url, 'host-a', { prefix: uniquePrefix() }));
    expect(error).toBeInstanceOf(ClusterError);
    expect(error.code).toBe('unsupported_server');
    expect(error.message).toContain('JetStream');
  });

  it('a server restart shorter than the lease: survived, no fencing, no acknowledged record lost', async () => {
    const server = await started();
    const prefix = uniquePrefix();
    const { store } = await stores.open(server.url, 'host-a', {
      prefix,
      leaseMs: 5000,
      timeoutMs: 8000,
    });
    const events: StoreEvent[] = [];
    store.watch((event) => events.push(event));
    await startSession(store, 'steady');
    const acked: number[] = [];
    const append = (n: number) =>
      store.append({ type: 'note', sessionId: 'steady', at: Date.now(), n }).then(() => {
        acked.push(n);
      });
    for (let n = 0; n < 20; n++) await append(n);
    await server.stop();
    // Appends made while the server is down wait for it (retries, same message id).
    const during = [20, 21, 22].map((n) => append(n));
    await server.restart();
    await Promise.all(during);
    for (let n = 23; n < 40; n++) await append(n);
    const notes = (await rawRecords(server.url, prefix, 'steady'))
      .filter((r) => r.record.type === 'note')
      .map((r) => (r.record as { n?: number }).n);
    expect(notes).toEqual(acked);
    expect([...notes].sort((x, y) => x! - y!)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(events.filter((e) => e.type === 'fenced')).toEqual([]);
  });

  it('NATS gone for longer than the lease: the host fences itself on its own clock, then ends what it lost', async () => {
    const server = await started();
    const prefix = uniquePrefix();
    const leaseMs = 1000;
    const { store } = await stores.open(server.url, 'host-a', { prefix, leaseMs });
    await startSession(store, 'lost-1');
    await startSession(store, 'lost-2');
    const fenced = nextEvent(store, (e) => e.type === 'fenced');
    const killedAt = performance.now();
    await server.kill();
    const event = await fenced;
    // The last renewal went out at most renewMs (leaseMs / 5) before the kill.
    expect(event.receivedAt - killedAt).toBeGreaterThanOrEqual(leaseMs - leaseMs / 5 - 50);
    expect(event.receivedAt - killedAt).toBeLessThan(leaseMs + 500);
    expect(event).toMatchObject({ type: 'fenced', sessionIds: undefined });
    const refused = await rejection(store.append({ type: 'note', sessionId: 'lost-1', at: 1 }));
    expect(refused.code).toBe('fenced');
    // Back online: a new incarnation ends what the lost one held, once.
    const ended = new Set<string>();
    const allEnded = new Promise<void>((resolve) =>
      store.watch((e) => {
        if (e.type === 'session' && e.summary.terminal?.outcome === 'interrupted') {
          expect(e.summary.terminal.reason).toContain('host-a lost its lease');
          ended.add(e.summary.sessionId);
          if (ended.size === 2) resolve();
        }
      }),
    );
    await server.restart();
    await allEnded;
    for (const id of ['lost-1', 'lost-2']) {
      const records = await rawRecords(server.url, prefix, id);
      expect(records.filter((r) => r.record.type === 'terminal')).toHaveLength(1);
      expect(records.some((r) => r.record.type === 'note')).toBe(false);
    }
    // And it takes new sessions again.
    await startSession(store, 'fresh');
  });
});
