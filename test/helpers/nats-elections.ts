/**
 * Leader elections on the 3-node test cluster: who leads what, waiting
 * until the cluster is whole again, and a steady load of sessions to run
 * through a fault.
 *
 * ```ts
 * const victim = await leaderNode(cluster, 'journal', prefix);   // the node leading <prefix>_journal
 * const load = sessionLoad(manager, 150);                         // a session every 150 ms
 * await victim.kill(); ...; await victim.restart();
 * const runs = await load.stop();                                 // every session's outcome or error
 * await waitForHealthy(cluster, prefix);                          // every replica current again
 * ```
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createMachine } from 'xstate';
import type { SessionManager, SessionSpec } from '../../src/index.js';
import type { NatsCluster, SingleNats } from './nats-server.js';

/** What a node can lead: the JetStream meta group, or one of a prefix's streams. */
export type NodeRole = 'meta' | 'journal' | 'owners' | 'hosts';

export const ROLES: readonly NodeRole[] = ['journal', 'owners', 'meta'];

function streamOf(role: Exclude<NodeRole, 'meta'>, prefix: string): string {
  return role === 'journal' ? `${prefix}_journal` : `KV_${prefix}_${role}`;
}

/** The name of the node that leads `role` now (asked of the live nodes). */
export async function leaderName(
  cluster: NatsCluster,
  role: NodeRole,
  prefix: string,
): Promise<string | undefined> {
  if (role === 'meta') {
    for (const node of cluster.nodes) {
      try {
        const jsz = (await (await fetch(`${node.monitorUrl}/jsz`)).json()) as {
          meta_cluster?: { leader?: string };
        };
        if (jsz.meta_cluster?.leader) return jsz.meta_cluster.leader;
      } catch {
        // That node is down: ask the next.
      }
    }
    return undefined;
  }
  const nc = await connect({ servers: cluster.servers });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 2000 });
    return (await jsm.streams.info(streamOf(role, prefix))).cluster?.leader;
  } finally {
    await nc.close();
  }
}

export async function leaderNode(
  cluster: NatsCluster,
  role: NodeRole,
  prefix: string,
): Promise<SingleNats> {
  const name = await leaderName(cluster, role, prefix);
  const node = cluster.nodes.find((candidate) => candidate.name === name);
  if (!node) throw new Error(`no node leads ${role} (leader: ${name})`);
  return node;
}

/**
 * Resolves once the meta group and each of the prefix's three streams have
 * a leader and every replica is current: the state a rolling restart waits
 * for before it takes the next node down. Rejects after `timeoutMs`.
 */
export async function waitForHealthy(
  cluster: NatsCluster,
  prefix: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const nc = await connect({ servers: cluster.servers });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 1000, checkAPI: false });
    for (;;) {
      const healthy = await Promise.all(
        (['journal', 'owners', 'hosts'] as const).map(async (role) => {
          try {
            const info = (await jsm.streams.info(streamOf(role, prefix))).cluster;
            return (
              info?.leader !== undefined &&
              (info.replicas ?? []).length === cluster.nodes.length - 1 &&
              (info.replicas ?? []).every((replica) => replica.current && !replica.offline)
            );
          } catch {
            return false;
          }
        }),
      );
      if (healthy.every(Boolean) && (await leaderName(cluster, 'meta', prefix))) return;
      if (Date.now() > deadline) throw new Error(`cluster not healthy within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await nc.close();
  }
}

/** A child that finishes on its own, `workMs` after it starts. */
const finishesSoon = createMachine({
  id: 'finishesSoon',
  initial: 'working',
  states: { working: { after: { 100: 'done' } }, done: { type: 'final' } },
});

/** A session that completes by itself a moment after it starts. */
export function selfCompletingSession(id: string): SessionSpec {
  return {
    id,
    autoShutdown: 'any_significant',
    children: [{ id: 'agent', logic: finishesSoon, restart: 'transient', significant: true }],
  };
}

export interface SessionRun {
  id: string;
  /** ms since the load started. */
  createdAt: number;
  outcome?: string;
  error?: unknown;
}

export interface SessionLoad {
  /** Sessions created so far. */
  readonly created: number;
  /** Stops creating, waits for every session to end, resolves each one's run. */
  stop(): Promise<SessionRun[]>;
}

/** Creates a session on `manager` every `everyMs` until stopped. */
export function sessionLoad(manager: SessionManager, everyMs: number, tag = 's'): SessionLoad {
  const started = performance.now();
  const runs: Promise<SessionRun>[] = [];
  const create = () => {
    const id = `${tag}${runs.length}`;
    const createdAt = Math.round(performance.now() - started);
    runs.push(
      Promise.resolve()
        .then(() => manager.createSession(selfCompletingSession(id)).done)
        .then(
          (record) => ({ id, createdAt, outcome: record.outcome }),
          (error: unknown) => ({ id, createdAt, error }),
        ),
    );
  };
  create();
  const timer = setInterval(create, everyMs);
  return {
    get created() {
      return runs.length;
    },
    async stop() {
      clearInterval(timer);
      return Promise.all(runs);
    },
  };
}
