/**
 * Cluster faults (opt-in: `npm run bench -- --only cluster-faults`): on a
 * 3-node nats-server cluster with replicas 3, the node leading one role
 * (the journal stream, the owners bucket, the JetStream meta group) is
 * killed with SIGKILL while a host creates a session every 100 ms (each
 * completes by itself), and a new host opens on the two survivors right
 * after the kill and reads `history()`.
 *
 * The figure per role: the longest time any operation waited (a session
 * from create to done, or the new host's open + history), p50 over the
 * runs, with the max in the details. The baseline, measured in the same
 * run: the elections, from the kill until the survivors name a new leader
 * for every group the killed node led (it often leads several: the
 * progress line names them). `leaseMs` 20 s, `timeoutMs` 15 s: the target is
 * that nothing waits as long as `timeoutMs` (no operation fails).
 *
 * Needs nats-server (PATH, /usr/sbin or /usr/local/bin). About 15 s a run;
 * 5 runs per role (2 with --quick).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMachine } from 'xstate';
import { createSessionManager, loadNats } from '../lib/library.mjs';
import { median, quick } from '../lib/measure.mjs';
import { natsServerPath, startCluster } from '../lib/natsNodes.mjs';
import { row } from '../lib/report.mjs';

const LEASE_MS = 20_000;
const TIMEOUT_MS = 15_000;
const RUNS = quick ? 2 : 5;
const ROLES = ['journal', 'owners', 'meta'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const finishesSoon = createMachine({
  id: 'finishesSoon',
  initial: 'working',
  states: { working: { after: { 50: 'done' } }, done: { type: 'final' } },
});
const selfCompleting = {
  autoShutdown: 'any_significant',
  children: [{ id: 'agent', logic: finishesSoon, restart: 'transient', significant: true }],
};

/** A session every 100 ms until stopped; resolves each one's wait (ms) or failure. */
function sessionLoad(manager) {
  const runs = [];
  const create = () => {
    const start = performance.now();
    runs.push(
      Promise.resolve()
        .then(() => manager.createSession(selfCompleting).done)
        .then(
          (record) => ({ ms: performance.now() - start, ok: record.outcome === 'completed' }),
          (error) => ({ ms: performance.now() - start, ok: false, error: String(error) }),
        ),
    );
  };
  create();
  const timer = setInterval(create, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Promise.all(runs);
    },
  };
}

/**
 * ms from `since` until the survivors name a leader other than `victim`
 * for every group: the role's, and whichever others the victim led too
 * (one node often leads several), since a call may need any of them.
 */
async function electionMs(cluster, prefix, victim, since) {
  const groups = ['journal', 'owners', 'hosts', 'meta'];
  for (;;) {
    const leaders = await Promise.all(groups.map((group) => cluster.leaderName(group, prefix)));
    if (leaders.every((leader) => leader !== undefined && leader !== victim.name)) {
      return performance.now() - since;
    }
    if (performance.now() - since > 60_000) throw new Error('no new leaders within 60 s');
    await sleep(50);
  }
}

async function oneRun(cluster, natsCluster, role, run) {
  const prefix = `bf${role}${run}x${Date.now().toString(36)}`;
  const options = (servers) =>
    natsCluster({ servers, prefix, replicas: 3, leaseMs: LEASE_MS, timeoutMs: TIMEOUT_MS });
  const host = await createSessionManager({ hostId: 'host-a', cluster: options(cluster.servers) });
  const load = sessionLoad(host);
  await sleep(500);
  const victim = await cluster.leader(role, prefix);
  const roles = await Promise.all(
    ['journal', 'owners', 'hosts', 'meta'].map(async (group) =>
      (await cluster.leaderName(group, prefix)) === victim.name ? group : undefined,
    ),
  );
  const killedAt = performance.now();
  await victim.kill();
  const survivors = cluster.nodes.filter((node) => node !== victim).map((node) => node.url);
  const opening = (async () => {
    const manager = await createSessionManager({ hostId: 'host-b', cluster: options(survivors) });
    await manager.history({ limit: 10 });
    return { manager, ms: performance.now() - killedAt };
  })();
  const election = await electionMs(cluster, prefix, victim, killedAt);
  const opened = await opening;
  await sleep(1000);
  const sessions = await load.stop();
  await Promise.all([host.stop(), opened.manager.stop()]);
  await victim.start();
  await cluster.healthy(prefix);
  const failures = sessions.filter((session) => !session.ok);
  const longest = Math.max(opened.ms, ...sessions.map((session) => session.ms));
  process.stderr.write(
    `  cluster-faults ${role} #${run + 1} (it led: ${roles.filter(Boolean).join(', ')}): elections ${Math.round(election)} ms, open+history ${Math.round(opened.ms)} ms, longest ${Math.round(longest)} ms, ${failures.length} failed of ${sessions.length}\n`,
  );
  return {
    election,
    open: opened.ms,
    longest,
    failures: failures.length,
    sessions: sessions.length,
  };
}

export async function run() {
  const binary = natsServerPath();
  const name = (role) => `cluster faults: longest wait, kill -9 of the ${role} leader, p50`;
  if (!binary) {
    return ROLES.map((role) =>
      row({
        scenario: name(role),
        ours: Number.NaN,
        unit: 'ms',
        target: { oursMax: TIMEOUT_MS },
        failure: 'nats-server not found (apt-get install nats-server)',
      }),
    );
  }
  const { natsCluster } = await loadNats();
  const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-bench-natsfaults-'));
  const cluster = await startCluster(binary, dir);
  try {
    const rows = [];
    for (const role of ROLES) {
      const runs = [];
      for (let index = 0; index < RUNS; index++) {
        runs.push(await oneRun(cluster, natsCluster, role, index));
      }
      const failed = runs.reduce((sum, r) => sum + r.failures, 0);
      rows.push(
        row({
          scenario: name(role),
          ours: median(runs.map((r) => r.longest)),
          baseline: median(runs.map((r) => r.election)),
          baselineName: 'the elections: kill → new leaders for every group the node led, p50',
          unit: 'ms',
          target: { oursMax: TIMEOUT_MS },
          details: {
            runs: RUNS,
            longestMaxMs: Math.max(...runs.map((r) => r.longest)),
            electionMaxMs: Math.max(...runs.map((r) => r.election)),
            openP50Ms: median(runs.map((r) => r.open)),
            openMaxMs: Math.max(...runs.map((r) => r.open)),
            sessions: runs.reduce((sum, r) => sum + r.sessions, 0),
            failed,
          },
          ...(failed > 0 ? { failure: `${failed} session(s) failed` } : {}),
        }),
      );
    }
    return rows;
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
