/**
 * NATS faults are not outages: on a 3-node R3 cluster, kill -9 of the node
 * that leads the journal stream, the owners bucket or the JetStream meta
 * group fails no session and no open. With `leaseMs` 20 s and `timeoutMs`
 * 15 s, every session created before, during and after the election
 * completes; a host opened right after the kill resolves, and so does its
 * `history()`; a host that watched throughout sees every session end
 * (its change feed came back by itself).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSessionManager, type SessionManager } from '../src/index.js';
import { natsCluster } from '../src/nats/index.js';
import { isPidAlive } from '../src/testing/processes.js';
import {
  leaderNode,
  ROLES,
  type SessionRun,
  sessionLoad,
  waitForHealthy,
} from './helpers/nats-elections.js';
import { type NatsCluster, natsSuite, startNatsCluster } from './helpers/nats-server.js';
import { uniquePrefix } from './helpers/nats-stores.js';

const LEASE_MS = 20_000;
const TIMEOUT_MS = 15_000;
/**
 * How long the load runs on once the new host has opened and read its
 * history (so the election is over): the sessions created "after".
 */
const AFTER_ELECTION_MS = 1500;
/** `npm run chaos -- --cluster` runs each role more than once, with more sessions. */
const ROUNDS = Number(process.env.CHAOS_CLUSTER_ROUNDS ?? 1);
const EVERY_MS = Number(process.env.CHAOS_CLUSTER_EVERY_MS ?? 250);

/** Resolves once `ids` have all ended on `manager` (seen through its change feed). */
async function allEndedOn(manager: SessionManager, ids: string[], timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const missing = ids.filter((id) => manager.getSession(id)?.outcome !== 'completed');
    if (missing.length === 0) return;
    if (performance.now() > deadline) {
      throw new Error(`${manager.hostId} never saw ${missing.length} sessions end: ${missing}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

natsSuite('NATS faults are not outages: a lost node leader', () => {
  let cluster: NatsCluster;
  const managers: SessionManager[] = [];

  const open = async (servers: string[], hostId: string, prefix: string) => {
    const manager = await createSessionManager({
      hostId,
      cluster: natsCluster({
        servers,
        prefix,
        replicas: 3,
        leaseMs: LEASE_MS,
        timeoutMs: TIMEOUT_MS,
      }),
    });
    managers.push(manager);
    return manager;
  };

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(managers.map((manager) => manager.stop()));
    if (!cluster) return;
    await cluster.dispose();
    for (const pid of cluster.pids()) expect(isPidAlive(pid)).toBe(false);
  }, 60_000);

  const kills = Array.from({ length: ROUNDS }, (_, round) =>
    ROLES.map((role) => ({ role, round })),
  );
  for (const { role, round } of kills.flat()) {
    const again = round === 0 ? '' : ` (again, ${round + 1})`;
    it(`kill -9 of the ${role} leader: every session completes, a new host opens and reads history${again}`, async () => {
      const prefix = uniquePrefix();
      const host = await open(cluster.servers, 'host-a', prefix);
      const watcher = await open(cluster.servers, 'watcher', prefix);
      const load = sessionLoad(host, EVERY_MS);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const victim = await leaderNode(cluster, role, prefix);
      try {
        const before = load.created;
        await victim.kill();
        expect(isPidAlive(victim.pid)).toBe(false);

        // A host opened right after the kill, on the two survivors.
        const survivors = cluster.nodes.filter((node) => node !== victim).map((node) => node.url);
        const opened = await open(survivors, 'host-b', prefix);
        const history = await opened.history({ limit: 5 });
        expect(Array.isArray(history)).toBe(true);

        const during = load.created;
        await new Promise((resolve) => setTimeout(resolve, AFTER_ELECTION_MS));
        const runs: SessionRun[] = await load.stop();
        // Created before the kill, while the new host was opening (the election), and after.
        expect(before).toBeGreaterThan(0);
        expect(during - before).toBeGreaterThan(10);
        expect(runs.length - during).toBeGreaterThan(3);
        expect(runs.filter((run) => run.outcome !== 'completed')).toEqual([]);
        await allEndedOn(
          watcher,
          runs.map((run) => run.id),
          TIMEOUT_MS,
        );
        await allEndedOn(
          opened,
          runs.slice(-5).map((run) => run.id),
          TIMEOUT_MS,
        );
      } finally {
        void load.stop();
        // The next test needs three nodes again (R3 streams are created on three).
        await victim.restart();
        await waitForHealthy(cluster, prefix);
      }
    }, 90_000);
  }
});
