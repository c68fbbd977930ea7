/**
 * NATS faults are not outages, continued: a rolling restart of all three
 * nodes, and a node paused (SIGSTOP) for longer than an election, while a
 * host creates and completes sessions the whole time: zero sessions fail.
 * And whatever a NATS fault does to a call, only `ClusterError` reaches the
 * caller, from every method, the iterators behind `watch`, and `close()`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ClusterError } from '../src/ground/errors.js';
import { createSessionManager, type SessionManager } from '../src/index.js';
import type { HostRequest, SessionStore } from '../src/manager/store.js';
import { natsCluster } from '../src/nats/index.js';
import { isPidAlive } from '../src/testing/processes.js';
import {
  leaderName,
  leaderNode,
  type SessionRun,
  sessionLoad,
  waitForHealthy,
} from './helpers/nats-elections.js';
import { type NatsCluster, natsSuite, startNatsCluster } from './helpers/nats-server.js';
import { startSession, terminal, uniquePrefix } from './helpers/nats-stores.js';

const LEASE_MS = 20_000;
const TIMEOUT_MS = 15_000;
/** `npm run chaos -- --cluster` restarts every node more than once, with more sessions. */
const ROUNDS = Number(process.env.CHAOS_CLUSTER_ROUNDS ?? 1);
const EVERY_MS = Number(process.env.CHAOS_CLUSTER_EVERY_MS ?? 250);

natsSuite('NATS faults are not outages: restarts and pauses', () => {
  let cluster: NatsCluster;
  const managers: SessionManager[] = [];
  const paused = new Set<number>();

  const open = async (hostId: string, prefix: string) => {
    const manager = await createSessionManager({
      hostId,
      cluster: natsCluster({
        servers: cluster.servers,
        prefix,
        replicas: 3,
        leaseMs: LEASE_MS,
        timeoutMs: TIMEOUT_MS,
      }),
    });
    managers.push(manager);
    return manager;
  };

  /** Sessions the load ran, checked: all completed, and all seen ending on `watcher`. */
  const expectAllCompleted = async (runs: SessionRun[], watcher: SessionManager) => {
    expect(runs.filter((run) => run.outcome !== 'completed')).toEqual([]);
    const deadline = performance.now() + TIMEOUT_MS;
    for (;;) {
      const unseen = runs.filter((run) => watcher.getSession(run.id)?.outcome !== 'completed');
      if (unseen.length === 0) return;
      if (performance.now() > deadline) throw new Error(`never seen ending: ${unseen.length}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  }, 60_000);
  afterAll(async () => {
    for (const pid of paused) process.kill(pid, 'SIGCONT');
    await Promise.allSettled(managers.map((manager) => manager.stop()));
    if (!cluster) return;
    await cluster.dispose();
    for (const pid of cluster.pids()) expect(isPidAlive(pid)).toBe(false);
  }, 60_000);

  it(
    'a rolling restart of all three nodes, each with its own store: zero sessions fail',
    async () => {
      const prefix = uniquePrefix();
      const host = await open('host-a', prefix);
      const watcher = await open('watcher', prefix);
      const load = sessionLoad(host, EVERY_MS);
      for (const node of Array.from({ length: ROUNDS }, () => cluster.nodes).flat()) {
        const before = load.created;
        const oldPid = node.pid;
        await node.stop();
        expect(isPidAlive(oldPid)).toBe(false);
        // Down for a while, as a node being upgraded is.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await node.restart();
        await waitForHealthy(cluster, prefix);
        expect(load.created).toBeGreaterThan(before);
      }
      const runs = await load.stop();
      expect(runs.length).toBeGreaterThan(10);
      await expectAllCompleted(runs, watcher);
    },
    120_000 * ROUNDS,
  );

  it('SIGSTOP of the journal leader past the elections of all it led, then SIGCONT: zero sessions fail', async () => {
    const prefix = uniquePrefix();
    const host = await open('host-a', prefix);
    const watcher = await open('watcher', prefix);
    const load = sessionLoad(host, EVERY_MS);
    const victim = await leaderNode(cluster, 'journal', prefix);
    const survivors = cluster.nodes.filter((node) => node !== victim);
    process.kill(victim.pid, 'SIGSTOP');
    paused.add(victim.pid);
    // Paused until the others have elected new leaders for everything it
    // led: the journal, both buckets and the meta group (asked of them only).
    const others: NatsCluster = {
      ...cluster,
      nodes: survivors,
      servers: survivors.map((n) => n.url),
    };
    const deadline = performance.now() + 60_000;
    for (;;) {
      const leaders = await Promise.all(
        (['journal', 'owners', 'hosts', 'meta'] as const).map((role) =>
          leaderName(others, role, prefix).catch(() => undefined),
        ),
      );
      if (leaders.every((leader) => leader !== undefined && leader !== victim.name)) break;
      if (performance.now() > deadline) throw new Error(`no new leaders within 60 s: ${leaders}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const during = load.created;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    process.kill(victim.pid, 'SIGCONT');
    paused.delete(victim.pid);
    await waitForHealthy(cluster, prefix);
    const runs = await load.stop();
    expect(during).toBeGreaterThan(3);
    expect(runs.length).toBeGreaterThan(during);
    await expectAllCompleted(runs, watcher);
  }, 120_000);

  it('calls that cannot wait out an election reject with ClusterError only, close() included', async () => {
    const prefix = uniquePrefix();
    // The stream and buckets first (an R3 create takes longer than 300 ms).
    const creator = await natsCluster({
      servers: cluster.servers,
      prefix,
      replicas: 3,
      leaseMs: LEASE_MS,
    }).open({
      hostId: 'creator',
      now: () => Date.now(),
    });
    await creator.store.close();
    // A lease that outlasts the election, and calls that do not.
    const { store } = await natsCluster({
      servers: cluster.servers,
      prefix,
      replicas: 3,
      leaseMs: LEASE_MS,
      timeoutMs: 300,
    }).open({ hostId: 'impatient', now: () => Date.now() });
    store.serve(async (message: HostRequest) => message.type);
    await startSession(store, 'before');
    const rejections: unknown[] = [];
    const settle = (promise: Promise<unknown>) => promise.catch((error) => rejections.push(error));

    let n = 0;
    const callEverything = (s: SessionStore) =>
      Promise.all([
        settle(startSession(s, `during-${n++}`)),
        settle(s.append({ type: 'note', sessionId: 'before', at: Date.now() })),
        settle(s.read('before')),
        settle(s.records('before')),
        settle(s.history({ limit: 5 })),
        settle(s.locate('before')),
        settle(s.request('impatient', { type: 'terminate', sessionId: 'before' })),
      ]);
    const victim = await leaderNode(cluster, 'journal', prefix);
    await victim.kill();
    const until = performance.now() + 6000;
    while (performance.now() < until) await callEverything(store);
    // Opening during the election, with too short a timeout, fails the same way.
    await settle(
      natsCluster({ servers: cluster.servers, prefix, timeoutMs: 300, leaseMs: LEASE_MS })
        .open({ hostId: 'late', now: () => Date.now() })
        .then(({ store: late }) => late.close()),
    );
    await settle(store.append(terminal('before', 'completed')));
    await settle(store.close());
    expect(rejections.length).toBeGreaterThan(0);
    const foreign = rejections.filter(
      (error) =>
        !(error instanceof ClusterError) ||
        !['timeout', 'unavailable', 'fenced'].includes(error.code),
    );
    expect(foreign).toEqual([]);

    await victim.restart();
    await waitForHealthy(cluster, prefix);
  }, 90_000);
});
