/**
 * Session managers in cluster mode: two hosts on one nats-server see each
 * other's sessions, reach them (send, terminate, locate), never share an
 * id, and a host process killed with SIGKILL has its sessions ended by a
 * survivor and its processes killed by its next run.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createMemoryJournal, createSessionManager, type SessionManager } from '../src/index.js';
import { clusterScope, natsCluster } from '../src/nats/index.js';
import { findMarkedProcesses, SCOPE_MARKER_ENV } from '../src/process/index.js';
import { isPidAlive, killPids, waitForPidsGone } from '../src/testing/processes.js';
import { killHostAndWatchdog } from './helpers/host-kill.js';
import { type ClusterHost, startClusterHost } from './helpers/nats-host.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import { rawRecords, TEST_LEASE_MS, uniquePrefix } from './helpers/nats-stores.js';
import { viewWhen } from './helpers/views.js';
import { agentSessionSpec, trappingWorker } from './helpers/workers.js';

/** The lease where failover time is measured. */
const LEASE_MS = 1000;

const agentSession = (id: string) => agentSessionSpec(id, { helper: true });

/** The error of a refused createSession, whether it throws at once or rejects its `done`. */
async function refusal(
  create: () => { done: Promise<unknown> },
): Promise<Error & { code?: string }> {
  try {
    await create().done;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the session to be refused');
}

natsSuite('session managers in cluster mode', () => {
  let server: SingleNats;
  const managers: SessionManager[] = [];
  const hosts: ClusterHost[] = [];
  const strays: number[] = [];

  const open = async (
    hostId: string,
    prefix: string,
    leaseMs = TEST_LEASE_MS,
    timeoutMs = 3000,
  ) => {
    const manager = await createSessionManager({
      hostId,
      cluster: natsCluster({ servers: server.url, prefix, leaseMs, timeoutMs }),
    });
    managers.push(manager);
    return manager;
  };

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.allSettled(managers.splice(0).map((manager) => manager.stop()));
    for (const host of hosts.splice(0)) {
      await host.kill();
      expect(isPidAlive(host.pid)).toBe(false);
    }
    const left = strays.splice(0).filter(isPidAlive);
    killPids(left);
    expect(left).toEqual([]);
  });
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  it('a session of host A is listed, located, sent an event and terminated from host B', async () => {
    const prefix = uniquePrefix();
    const a = await open('host-a', prefix);
    const b = await open('host-b', prefix);
    const first = a.createSession(agentSession('one'));
    const second = a.createSession(agentSession('two'));
    const seen = await viewWhen(b, 'one', (view) => view?.state === 'running');
    expect(seen).toMatchObject({ id: 'one', host: 'host-a', state: 'running' });
    expect(await b.locate('one')).toEqual({ hostId: 'host-a', local: false });
    expect(await a.locate('one')).toEqual({ hostId: 'host-a', local: true });
    expect(b.findSupervisor('one')).toBeUndefined();
    expect(b.getChild('one', 'agent')).toBeUndefined();
    expect(a.findSupervisor('one')).toBeDefined();

    // An event for another host crosses the wire: what JSON cannot hold is refused before it goes.
    await expect(
      b.send('one', 'agent', { type: 'FINISH', at: new Date(0) } as never),
    ).rejects.toMatchObject({
      code: 'invalid_event',
      message: expect.stringMatching(/goes to host host-a, so it must be plain JSON/),
    });
    await expect(b.send('one', 'agent', { type: 7 } as never)).rejects.toMatchObject({
      code: 'invalid_event',
    });
    expect(a.getSession('one')).toMatchObject({ state: 'running', restarts: 0 });
    await b.send('one', 'agent', { type: 'FINISH' });
    expect(await first.done).toMatchObject({ outcome: 'completed', host: 'host-a' });
    await viewWhen(b, 'one', (view) => view?.outcome === 'completed');

    await viewWhen(b, 'two', (view) => view?.state === 'running');
    const record = await b.terminateSession('two', 'from b');
    expect(record).toMatchObject({ sessionId: 'two', outcome: 'cancelled', host: 'host-a' });
    expect(await second.done).toMatchObject({ outcome: 'cancelled', reason: 'from b' });
    await expect(b.send('two', 'agent', { type: 'FINISH' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  /**
   * Hosts A and B whose requests time out after 400 ms, and a session 'slow'
   * on A whose agent winds down for `cleanupMs` when asked to stop, seen
   * running from B.
   */
  const slowShutdownOnA = async (cleanupMs: number) => {
    const prefix = uniquePrefix();
    const a = await open('host-a', prefix, TEST_LEASE_MS, 400);
    const b = await open('host-b', prefix, TEST_LEASE_MS, 400);
    const log: string[] = [];
    const session = a.createSession({
      id: 'slow',
      children: [
        {
          id: 'agent',
          logic: trappingWorker,
          input: { name: 'agent', log, cleanupMs },
          shutdown: 'infinity',
        },
      ],
    });
    await viewWhen(b, 'slow', (view) => view?.state === 'running');
    return { a, b, log, session };
  };

  it('terminateSession from host B waits for a shutdown longer than a request may take', async () => {
    const { b, log, session } = await slowShutdownOnA(1500);
    const record = await b.terminateSession('slow', 'from b');
    expect(log).toEqual(['start:agent', 'winding-down:agent', 'stop:agent']);
    expect(record).toMatchObject({ sessionId: 'slow', outcome: 'cancelled', reason: 'from b' });
    expect(record).toEqual(await session.done);
  });

  it('a remote terminateSession still waiting when its own manager stops rejects stopped', async () => {
    const { a, b, session } = await slowShutdownOnA(1000);
    // Its rejection is expected from the start, so it is never an unhandled one.
    const givenUp = expect(b.terminateSession('slow', 'from b')).rejects.toMatchObject({
      code: 'stopped',
      sessionId: 'slow',
    });
    await viewWhen(a, 'slow', (view) => view?.state === 'stopping');
    await b.stop();
    await givenUp;
    // The session itself ends as asked, on its own host.
    expect(await session.done).toMatchObject({ outcome: 'cancelled', reason: 'from b' });
  });

  it('terminateSession of a session whose host stops answering resolves once a sweep ends it', async () => {
    const prefix = uniquePrefix();
    const asker = await open('asker', prefix, LEASE_MS, 400);
    const paused = await startClusterHost({
      fixture: 'cluster-manager-host.mjs',
      servers: server.url,
      prefix,
      hostId: 'paused',
      leaseMs: LEASE_MS,
      sessions: ['held'],
    });
    hosts.push(paused);
    const { pids } = await paused.waitFor((line) => line.ready === true);
    strays.push(...pids);
    await viewWhen(asker, 'held', (view) => view?.state === 'running');
    paused.signal('SIGSTOP');
    const record = await asker.terminateSession('held', 'from asker');
    expect(record).toMatchObject({ sessionId: 'held', outcome: 'interrupted', host: 'paused' });
    // Its watchdog killed them at its lease deadline, ttlMs - leaseMs before any survivor
    // could take the session over: gone by now, while the host is still stopped.
    expect(pids.filter(isPidAlive)).toEqual([]);
    // Fenced when it wakes, the paused host kills whatever its session left running.
    paused.signal('SIGCONT');
    await waitForPidsGone(pids);
  });

  it('a second host cannot create a session whose id is live or was used; it writes nothing', async () => {
    const prefix = uniquePrefix();
    const a = await open('host-a', prefix);
    const b = await open('host-b', prefix);
    const live = a.createSession(agentSession('taken'));
    await viewWhen(a, 'taken', (view) => view?.state === 'running');
    const before = await rawRecords(server.url, prefix, 'taken');
    const liveRefusal = await refusal(() => b.createSession(agentSession('taken')));
    expect(liveRefusal).toMatchObject({ name: 'SessionError', code: 'duplicate_id' });

    await a.send('taken', 'agent', { type: 'FINISH' });
    await live.done;
    const ended = await rawRecords(server.url, prefix, 'taken');
    const endedRefusal = await refusal(() => b.createSession(agentSession('taken')));
    expect(endedRefusal).toMatchObject({ code: 'duplicate_id' });
    expect(await rawRecords(server.url, prefix, 'taken')).toEqual(ended);
    expect(ended.slice(0, before.length)).toEqual(before);
    expect(
      ended.every((entry) => entry.msgId.split(':')[0] === ended[0]!.msgId.split(':')[0]),
    ).toBe(true);
  });

  it('racing creates of one id on two hosts: exactly one runs it', async () => {
    const prefix = uniquePrefix();
    const a = await open('host-a', prefix);
    const b = await open('host-b', prefix);
    const ids = ['r1', 'r2', 'r3', 'r4', 'r5'];
    for (const id of ids) {
      const attempts = [a, b].map((manager) => manager.createSession(agentSession(id)));
      const outcomes = await Promise.allSettled(
        attempts.map(async (session, index) => {
          const owner = [a, b][index]!;
          await viewWhen(owner, id, (view) => view === undefined || view.state === 'running');
          if (owner.getSession(id) === undefined) return session.done;
          await owner.send(id, 'agent', { type: 'FINISH' });
          return session.done;
        }),
      );
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'duplicate_id' });
      const records = await rawRecords(server.url, prefix, id);
      expect(records.filter((entry) => entry.record.type === 'created')).toHaveLength(1);
      expect(records.filter((entry) => entry.record.type === 'terminal')).toHaveLength(1);
    }
  });

  it('a host killed with SIGKILL: a survivor ends its sessions once; its next run kills the leftover processes', async () => {
    const prefix = uniquePrefix();
    const survivor = await open('survivor', prefix, LEASE_MS);
    const sessions = ['p1', 'p2', 'p3'];
    const doomed = await startClusterHost({
      fixture: 'cluster-manager-host.mjs',
      servers: server.url,
      prefix,
      hostId: 'doomed',
      leaseMs: LEASE_MS,
      sessions,
    });
    hosts.push(doomed);
    const ready = await doomed.waitFor((line) => line.ready === true);
    const pids: number[] = ready.pids;
    expect(pids).toHaveLength(sessions.length);
    strays.push(...pids);
    const scope = clusterScope(prefix, 'doomed');
    expect(findMarkedProcesses({ name: SCOPE_MARKER_ENV, value: scope }).sort()).toEqual(
      [...pids].sort(),
    );
    await Promise.all(sessions.map((id) => viewWhen(survivor, id, (v) => v?.state === 'running')));

    const killedAt = performance.now();
    // With its watchdog: nothing kills its processes, they are orphans now.
    await killHostAndWatchdog(doomed.pid);
    await doomed.kill();
    expect(pids.every(isPidAlive)).toBe(true);
    const ended = await Promise.all(
      sessions.map((id) => viewWhen(survivor, id, (view) => view?.outcome !== undefined)),
    );
    const endedAt = performance.now();
    expect(endedAt - killedAt).toBeLessThanOrEqual(LEASE_MS + 1000);
    for (const view of ended) {
      expect(view).toMatchObject({ outcome: 'interrupted', host: 'doomed' });
      expect(view?.reason).toContain('doomed');
    }

    // The same host id again: its start-up kills what its previous run left.
    const again = await startClusterHost({
      fixture: 'cluster-manager-host.mjs',
      servers: server.url,
      prefix,
      hostId: 'doomed',
      leaseMs: LEASE_MS,
      sessions: [],
    });
    hosts.push(again);
    await again.waitFor((line) => line.ready === true);
    await waitForPidsGone(pids, { timeoutMs: 3000 });
    for (const id of sessions) {
      const records = await rawRecords(server.url, prefix, id);
      expect(records.filter((entry) => entry.record.type === 'terminal')).toHaveLength(1);
    }
  });

  it('a host restarted before its lease expired ends its own leftovers, once, and kills their processes', async () => {
    const prefix = uniquePrefix();
    const sessions = ['q1', 'q2'];
    const config = {
      fixture: 'cluster-manager-host.mjs',
      servers: server.url,
      prefix,
      hostId: 'phoenix',
      leaseMs: 5000,
      sessions,
    };
    // A long lease, so that the restart comes well before it could expire.
    const first = await startClusterHost(config);
    hosts.push(first);
    const { pids } = await first.waitFor((line) => line.ready === true);
    strays.push(...pids);
    await first.kill();
    const again = await startClusterHost({ ...config, sessions: [] });
    hosts.push(again);
    await again.waitFor((line) => line.ready === true);
    await waitForPidsGone(pids, { timeoutMs: 3000 });
    for (const id of sessions) {
      const records = await rawRecords(server.url, prefix, id);
      const terminals = records.filter((entry) => entry.record.type === 'terminal');
      expect(terminals).toHaveLength(1);
      expect(terminals[0]!.record).toMatchObject({ outcome: 'interrupted', host: 'phoenix' });
    }
  });

  it('journal and cluster together are an invalid_option', async () => {
    await expect(
      createSessionManager({
        journal: createMemoryJournal(),
        cluster: natsCluster({ servers: server.url, prefix: uniquePrefix() }),
      }),
    ).rejects.toMatchObject({ name: 'SessionError', code: 'invalid_option' });
  });
});
