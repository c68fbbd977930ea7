/**
 * Scenario 8, cluster mode on NATS JetStream (replicas 1, one nats-server
 * on loopback, started here with its own store directory).
 *
 * Against the same figures on one host with the file journal:
 * - createSession → running, p50: the claim (a KV create and the claim
 *   record) and the `created` record happen before the session runs.
 *   Target ≤ 2 ms.
 * - sessions created and completed per second on one host: 1,000 at once,
 *   each told to finish as soon as it runs. Target ≥ 1,000/s.
 * - `send` from another host, p50: request/reply to the owner host, which
 *   delivers to the child. Target ≤ 2 ms.
 * - failover: a host process running 20 sessions is killed with SIGKILL;
 *   the time until a survivor has ended the last of them `interrupted`,
 *   against the lease (1 s for this figure; the default 10 s elsewhere).
 *   Target ≤ lease + 1 s.
 * - durable failover: the same with 100 durable sessions; the time until
 *   every one of them runs again on the survivor (taken over with a higher
 *   epoch, restored from its checkpoint). Target ≤ lease + 1 s.
 *
 * Needs nats-server (PATH, /usr/sbin or /usr/local/bin; Debian: `apt-get
 * install nats-server`). Without one, every row fails with that message.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv } from '../lib/leaks.mjs';
import { createFileJournal, createSessionManager, loadNats } from '../lib/library.mjs';
import {
  durableTypes,
  finishingChild,
  idleChild,
  pingChild,
  sessionSpec,
} from '../lib/machines.mjs';
import { median, quick } from '../lib/measure.mjs';
import { natsServerPath } from '../lib/natsNodes.mjs';
import { row } from '../lib/report.mjs';

const LEASE_MS = 1000;
const LATENCY_SAMPLES = quick ? 200 : 1000;
const BATCH = 1000;
const ROUNDS = quick ? 2 : 4;
const FAILOVER_SESSIONS = 20;
const DURABLE_SESSIONS = 100;

/** A JetStream server on a random loopback port; resolves once it is ready. */
function startServer(binary, storeDir) {
  const child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...benchEnv },
  });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const port = /Listening for client connections on [^\s]+:(\d+)/.exec(log)?.[1];
      if (port && /Server is ready/.test(log)) {
        child.stderr.removeAllListeners('data');
        child.stderr.resume();
        resolve({
          url: `nats://127.0.0.1:${port}`,
          stop: () =>
            new Promise((done) => {
              child.once('exit', done);
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
  });
}

/** Resolves once the session's lifecycle is in `running`. */
function running(session) {
  if (session.ref.getSnapshot().hasTag('running')) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const subscription = session.ref.subscribe({
      next: (snapshot) => {
        if (!snapshot.hasTag('running')) return;
        subscription.unsubscribe();
        resolve();
      },
      error: reject,
    });
    session.done.catch(reject);
  });
}

/** ms from createSession to running, one session at a time. */
async function createToRunning(manager, samples) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    const session = manager.createSession(sessionSpec(idleChild));
    await running(session);
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Sessions/s: BATCH created at once, each finished as soon as it runs. */
async function churn(manager) {
  const spec = sessionSpec(finishingChild, { significant: true });
  const start = performance.now();
  const sessions = Array.from({ length: BATCH }, () => manager.createSession(spec));
  await Promise.all(
    sessions.map(async (session) => {
      await running(session);
      manager.getChild(session.id, 'work').send({ type: 'finish' });
      const record = await session.done;
      if (record.outcome !== 'completed') throw new Error(`${session.id}: ${record.outcome}`);
    }),
  );
  return BATCH / ((performance.now() - start) / 1000);
}

/** ms per `send` from `sender` to a session of `owner`. */
async function sendLatency(owner, sender, samples) {
  const session = owner.createSession(sessionSpec(pingChild));
  await running(session);
  await sender.locate(session.id); // warm the route
  const times = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await sender.send(session.id, 'work', { type: 'ping' });
    times.push(performance.now() - start);
  }
  const pings = owner.getChild(session.id, 'work').getSnapshot().context.pings;
  if (pings !== samples) throw new Error(`${pings} pings delivered of ${samples}`);
  await owner.terminateSession(session.id);
  return median(times);
}

/**
 * ms from SIGKILL of a host process to the last of its sessions settled on
 * the survivor: ended `interrupted`, or (`durable`) running again there.
 */
async function failover(url, natsCluster, { sessions, durable }) {
  const prefix = `benchfail${durable ? 'd' : ''}${Date.now().toString(36)}`;
  const survivor = await createSessionManager({
    hostId: 'survivor',
    cluster: natsCluster({ servers: url, prefix, leaseMs: LEASE_MS }),
    sessionTypes: durableTypes,
  });
  const host = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('../lib/clusterHost.mjs', import.meta.url)),
      JSON.stringify({
        servers: url,
        prefix,
        hostId: 'doomed',
        leaseMs: LEASE_MS,
        sessions,
        durable,
      }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...benchEnv } },
  );
  const exited = new Promise((resolve) => host.once('exit', resolve));
  await new Promise((resolve, reject) => {
    host.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve());
    host.once('exit', () => reject(new Error('the failover host exited early')));
  });
  const settledHere = durable
    ? (view) => view.host === 'survivor' && view.state === 'running' && view.attempt === 2
    : (view) => view.host === 'doomed' && view.outcome !== undefined;
  const settled = new Promise((resolve) => {
    const check = () => {
      const views = survivor.listSessions().filter(settledHere);
      if (views.length === sessions) {
        subscription.unsubscribe();
        resolve(views);
      }
    };
    const subscription = survivor.dashboard.subscribe(check);
  });
  const killedAt = performance.now();
  host.kill('SIGKILL');
  const views = await settled;
  const ms = performance.now() - killedAt;
  await exited;
  await survivor.stop({ handOff: durable });
  if (!durable && views.some((view) => view.outcome !== 'interrupted')) {
    throw new Error('not interrupted');
  }
  return ms;
}

function missing(scenario, unit, target) {
  return row({
    scenario,
    ours: Number.NaN,
    unit,
    target,
    failure: 'nats-server not found (apt-get install nats-server)',
  });
}

export async function run() {
  const binary = natsServerPath();
  const names = {
    running: 'cluster: createSession → running, p50',
    churn: 'cluster: sessions created+completed per host',
    send: 'cluster: send from another host, p50',
    failover: `cluster: failover, SIGKILL → ${FAILOVER_SESSIONS} sessions interrupted`,
    resume: `cluster: failover, SIGKILL → ${DURABLE_SESSIONS} durable sessions running on a survivor`,
  };
  if (!binary) {
    return [
      missing(names.running, 'ms', { oursMax: 2 }),
      missing(names.churn, 'sessions/s', { oursMin: 1000 }),
      missing(names.send, 'ms', { oursMax: 2 }),
      missing(names.failover, 'ms', { oursMax: LEASE_MS + 1000 }),
      missing(names.resume, 'ms', { oursMax: LEASE_MS + 1000 }),
    ];
  }
  const { natsCluster } = await loadNats();
  const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-bench-nats-'));
  const server = await startServer(binary, join(dir, 'store'));
  try {
    // The default 10 s lease: a short one would fence a host whose event
    // loop stalls under the load these rounds create on a shared machine.
    const cluster = (prefix) => natsCluster({ servers: server.url, prefix });
    const figures = {
      running: [],
      runningFile: [],
      churn: [],
      churnFile: [],
      send: [],
      sendLocal: [],
    };
    for (let round = 0; round < ROUNDS; round++) {
      const prefix = `bench${round}x${Date.now().toString(36)}`;
      // Per host: the other host lives in this process too, so it joins only
      // for the figure that needs it, and its feed does not eat host A's CPU.
      const a = await createSessionManager({ hostId: 'host-a', cluster: cluster(prefix) });
      const file = await createSessionManager({
        journal: createFileJournal(join(dir, `journal-${round}.jsonl`)),
        hostId: 'host-a',
      });
      // The first round warms up both sides and is not counted.
      const keep = (list, value) => round > 0 && list.push(value);
      keep(figures.running, await createToRunning(a, LATENCY_SAMPLES));
      keep(figures.runningFile, await createToRunning(file, LATENCY_SAMPLES));
      keep(figures.churn, await churn(a));
      keep(figures.churnFile, await churn(file));
      const b = await createSessionManager({ hostId: 'host-b', cluster: cluster(prefix) });
      keep(figures.send, await sendLatency(a, b, LATENCY_SAMPLES));
      keep(figures.sendLocal, await sendLatency(file, file, LATENCY_SAMPLES));
      await Promise.all([a.stop(), b.stop(), file.stop()]);
    }
    const failoverMs = await failover(server.url, natsCluster, {
      sessions: FAILOVER_SESSIONS,
      durable: false,
    });
    const resumeMs = await failover(server.url, natsCluster, {
      sessions: DURABLE_SESSIONS,
      durable: true,
    });
    return [
      row({
        scenario: names.running,
        ours: median(figures.running),
        baseline: median(figures.runningFile),
        unit: 'ms',
        baselineName: 'the same on one host with the file journal',
        target: { oursMax: 2 },
        details: { rounds: figures.running, fileJournal: figures.runningFile },
      }),
      row({
        scenario: names.churn,
        ours: median(figures.churn),
        baseline: median(figures.churnFile),
        unit: 'sessions/s',
        baselineName: 'the same on one host with the file journal',
        target: { oursMin: 1000 },
        details: { rounds: figures.churn, fileJournal: figures.churnFile },
      }),
      row({
        scenario: names.send,
        ours: median(figures.send),
        baseline: median(figures.sendLocal),
        unit: 'ms',
        baselineName: 'manager.send to a session of the same host',
        target: { oursMax: 2 },
        details: { rounds: figures.send, local: figures.sendLocal },
      }),
      row({
        scenario: names.failover,
        ours: failoverMs,
        baseline: LEASE_MS,
        unit: 'ms',
        baselineName: 'the lease (leaseMs)',
        target: { oursMax: LEASE_MS + 1000 },
      }),
      row({
        scenario: names.resume,
        ours: resumeMs,
        baseline: LEASE_MS,
        unit: 'ms',
        baselineName: 'the lease (leaseMs)',
        target: { oursMax: LEASE_MS + 1000 },
      }),
    ];
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
