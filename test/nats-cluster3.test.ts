/**
 * A three-node NATS cluster with replicas 3: losing a node (SIGKILL of the
 * journal stream's leader) loses no acknowledged record, and the host
 * neither fences itself nor stops taking sessions.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StoreEvent } from '../src/manager/store.js';
import { isPidAlive } from '../src/testing/processes.js';
import { type NatsCluster, natsSuite, startNatsCluster } from './helpers/nats-server.js';
import { rawRecords, startSession, storeTracker, uniquePrefix } from './helpers/nats-stores.js';

const LEASE_MS = 10_000;

async function streamLeader(servers: string[], stream: string): Promise<string | undefined> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(stream)).cluster?.leader;
  } finally {
    await nc.close();
  }
}

natsSuite('cluster mode on a 3-node NATS cluster', () => {
  let cluster: NatsCluster;
  const stores = storeTracker();

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  }, 60_000);
  afterAll(async () => {
    if (!cluster) return;
    await cluster.dispose();
    for (const pid of cluster.pids()) expect(isPidAlive(pid)).toBe(false);
  });

  it('kill -9 of the stream leader between two batches: every acknowledged record is still there', async () => {
    const prefix = uniquePrefix();
    const { store } = await stores.open(cluster.servers, 'host-a', {
      prefix,
      replicas: 3,
      leaseMs: LEASE_MS,
      timeoutMs: 20_000,
    });
    const events: StoreEvent[] = [];
    store.watch((event) => events.push(event));
    await startSession(store, 'durable');
    const acked: number[] = [];
    const append = async (n: number) => {
      await store.append({ type: 'note', sessionId: 'durable', at: Date.now(), n });
      acked.push(n);
    };
    for (let n = 0; n < 50; n++) await append(n);

    const leader = await streamLeader(cluster.servers, `${prefix}_journal`);
    const victim = cluster.nodes.find((_, index) => `n${index}` === leader);
    expect(victim).toBeDefined();
    await victim!.kill();
    expect(isPidAlive(victim!.pid)).toBe(false);

    for (let n = 50; n < 100; n++) await append(n);
    await startSession(store, 'after-the-loss');

    const survivors = cluster.servers.filter((url) => url !== victim!.url);
    const notes = (await rawRecords(survivors, prefix, 'durable'))
      .filter((r) => r.record.type === 'note')
      .map((r) => (r.record as { n?: number }).n);
    expect(notes).toEqual(acked);
    expect(acked).toHaveLength(100);
    expect(events.filter((event) => event.type === 'fenced')).toEqual([]);
  }, 60_000);
});
