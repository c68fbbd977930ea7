/**
 * Failover with real processes: a host process killed (SIGKILL) or paused
 * (SIGSTOP) past its lease, survivors that end its sessions once, and a
 * paused host that comes back fenced and writes nothing.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { StoreEvent } from '../src/manager/store.js';
import { isPidAlive } from '../src/testing/processes.js';
import { type ClusterHost, startClusterHost } from './helpers/nats-host.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import { rawRecords, storeTracker, uniquePrefix } from './helpers/nats-stores.js';

const LEASE_MS = 1000;

/** Resolves once `count` sessions have ended on `store`, each with the time it was reported. */
function endings(
  store: { watch(listener: (event: StoreEvent) => void): () => void },
  count: number,
) {
  const ended = new Map<string, { at: number; outcome: string; reason?: string; host?: string }>();
  return new Promise<typeof ended>((resolve) => {
    store.watch((event) => {
      if (event.type !== 'session' || !event.summary.terminal) return;
      const { terminal } = event.summary;
      ended.set(event.summary.sessionId, {
        at: performance.now(),
        outcome: terminal.outcome,
        ...(terminal.reason === undefined ? {} : { reason: terminal.reason }),
        ...(terminal.host === undefined ? {} : { host: terminal.host }),
      });
      if (ended.size === count) resolve(ended);
    });
  });
}

natsSuite('cluster failover', () => {
  let server: SingleNats;
  const stores = storeTracker();
  const hosts: ClusterHost[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    for (const host of hosts.splice(0)) {
      await host.kill();
      expect(isPidAlive(host.pid)).toBe(false);
    }
  });
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  it('a host killed with SIGKILL: one survivor ends each session interrupted within leaseMs + 1 s', async () => {
    const prefix = uniquePrefix();
    const sessions = ['k1', 'k2', 'k3', 'k4'];
    const dead = await startClusterHost({
      servers: server.url,
      prefix,
      hostId: 'doomed',
      leaseMs: LEASE_MS,
      sessions,
    });
    hosts.push(dead);
    // Two survivors race for every session.
    const one = await stores.open(server.url, 'survivor-1', { prefix, leaseMs: LEASE_MS });
    const two = await stores.open(server.url, 'survivor-2', { prefix, leaseMs: LEASE_MS });
    const seenByOne = endings(one.store, sessions.length);
    const seenByTwo = endings(two.store, sessions.length);
    const killedAt = performance.now();
    await dead.kill();
    const [a, b] = await Promise.all([seenByOne, seenByTwo]);
    for (const id of sessions) {
      const ending = a.get(id)!;
      expect(ending).toMatchObject({ outcome: 'interrupted', host: 'doomed' });
      expect(ending.reason).toContain('doomed');
      expect(ending.at - killedAt).toBeLessThanOrEqual(LEASE_MS + 1000);
      expect(b.get(id)?.outcome).toBe('interrupted');
      const records = await rawRecords(server.url, prefix, id);
      expect(records.filter((r) => r.record.type === 'terminal')).toHaveLength(1);
      expect(records.at(-1)?.record).toMatchObject({ type: 'terminal', outcome: 'interrupted' });
    }
    // Nothing is left owned.
    for (const id of sessions) expect(await one.store.locate(id)).toBeUndefined();
  });

  it('a host paused past its lease comes back fenced: it appends nothing after the takeover', async () => {
    const prefix = uniquePrefix();
    const sessions = ['p1', 'p2'];
    const paused = await startClusterHost({
      servers: server.url,
      prefix,
      hostId: 'sleeper',
      leaseMs: LEASE_MS,
      sessions,
    });
    hosts.push(paused);
    const survivor = await stores.open(server.url, 'survivor', { prefix, leaseMs: LEASE_MS });
    const takenOver = endings(survivor.store, sessions.length);
    const stoppedAt = performance.now();
    paused.signal('SIGSTOP');
    const ended = await takenOver;
    for (const id of sessions) {
      expect(ended.get(id)).toMatchObject({ outcome: 'interrupted', host: 'sleeper' });
      expect(ended.get(id)!.at - stoppedAt).toBeLessThanOrEqual(LEASE_MS + 1000);
    }
    const before = await Promise.all(sessions.map((id) => rawRecords(server.url, prefix, id)));
    paused.signal('SIGCONT');
    const fenced = await paused.waitFor(
      (line) => line.event?.type === 'fenced' && line.event.sessionIds === undefined,
    );
    expect(fenced.event.reason).toContain('sleeper');
    for (const id of sessions) {
      paused.send({ append: id });
      const answer = await paused.waitFor((line) => line.append === id);
      expect(answer).toEqual({ append: id, code: 'fenced' });
    }
    const after = await Promise.all(sessions.map((id) => rawRecords(server.url, prefix, id)));
    expect(after).toEqual(before);
    for (const records of after) {
      expect(records.filter((r) => r.record.type === 'terminal')).toHaveLength(1);
      expect(records.at(-1)?.msgId.startsWith(`${records[0]!.msgId.split(':')[0]}:`)).toBe(false);
    }
    const history = await survivor.store.history({ limit: 10 });
    expect(history.map((s) => s.sessionId).sort()).toEqual([...sessions].sort());
  });
});
