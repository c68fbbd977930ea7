/**
 * Durable sessions in cluster mode, on a real nats-server with real host
 * processes: a survivor that has the session's type resumes what a killed
 * or paused owner left (a takeover with a higher epoch), within
 * `leaseMs` + 1 s and from the last acknowledged event; one without the type
 * leaves it to a host that has it, or ends it `interrupted` when none does;
 * a paused owner that comes back appends nothing, checkpoints included, and
 * leaves the workspace to the survivor that resumed the session in it; a
 * hand-off is resumed by a live host at once.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSessionManager, type SessionManager, type SessionView } from '../src/index.js';
import { natsCluster } from '../src/nats/index.js';
import { isPidAlive } from '../src/testing/processes.js';
import { durableTypes } from './helpers/durable.js';
import { type DurableHost, startDurableHost } from './helpers/durable-host.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import { rawRecords, uniquePrefix } from './helpers/nats-stores.js';
import { viewsWhen } from './helpers/views.js';
import { gitSync, linkedWorktrees, makeRepo, tempDir } from './helpers/workspaces.js';

const LEASE_MS = 1000;

const resumedOn = (host: string, attempt: number) => (view: SessionView | undefined) =>
  view?.state === 'running' && view.host === host && view.attempt === attempt;

const countOf = (manager: SessionManager, id: string) =>
  (manager.getChild(id, 'counter')!.getSnapshot() as { context: { count: number } }).context.count;

/** Ends every session with FINISH and resolves their terminal records as journaled. */
async function finishAll(manager: SessionManager, ids: readonly string[]) {
  for (const id of ids) await manager.send(id, 'counter', { type: 'FINISH' });
  await viewsWhen(manager, ids, (view) => view?.outcome !== undefined);
  return Promise.all(
    ids.map(async (id) => (await manager.records(id)).filter((r) => r.type === 'terminal')),
  );
}

natsSuite('durable sessions in cluster mode', () => {
  let server: SingleNats;
  const managers: SessionManager[] = [];
  const hosts: DurableHost[] = [];

  const open = async (
    hostId: string,
    prefix: string,
    withTypes: boolean,
    leaseMs = LEASE_MS,
    workspaceRoot?: string,
  ) => {
    const manager = await createSessionManager({
      hostId,
      cluster: natsCluster({ servers: server.url, prefix, leaseMs, timeoutMs: 3000 }),
      ...(withTypes ? { sessionTypes: durableTypes } : {}),
      ...(workspaceRoot ? { workspaceRoot } : {}),
    });
    managers.push(manager);
    return manager;
  };
  const startOwner = async (prefix: string, sessions: string[], seed: number) => {
    const host = await startDurableHost({
      cluster: { servers: server.url, prefix, leaseMs: LEASE_MS },
      hostId: 'owner',
      type: 'counter',
      sessions,
      seed,
    });
    hosts.push(host);
    return host;
  };

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.allSettled(managers.splice(0).map((manager) => manager.stop()));
    for (const host of hosts.splice(0)) {
      await host.kill();
      expect(isPidAlive(host.child.pid!)).toBe(false);
    }
  });
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  it('owner SIGKILLed: two survivors with the type race; each session resumes once, on one of them, within leaseMs + 1 s, no acknowledged event lost', async () => {
    const prefix = uniquePrefix();
    const ids = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const owner = await startOwner(prefix, ids, 1);
    const one = await open('survivor-1', prefix, true);
    const two = await open('survivor-2', prefix, true);
    await owner.untilAcks(40);
    const killedAt = performance.now();
    await owner.kill();
    const resumedSomewhere = (id: string) =>
      [one, two].filter((m) => resumedOn(m.hostId, 2)(m.getSession(id))).length === 1;
    const resumedAt = await Promise.race([
      viewsWhen(one, ids, (view) => view !== undefined && resumedSomewhere(view.id)),
      viewsWhen(two, ids, (view) => view !== undefined && resumedSomewhere(view.id)),
    ]);
    expect(resumedAt - killedAt).toBeLessThanOrEqual(LEASE_MS + 1000);
    for (const id of ids) {
      // Never two live copies: exactly one survivor runs it.
      const runners = [one, two].filter((m) => m.findSupervisor(id) !== undefined);
      expect(runners).toHaveLength(1);
      expect(countOf(runners[0]!, id)).toBeGreaterThanOrEqual(owner.acked.get(id) ?? 0);
    }

    const terminals = await finishAll(one, ids);
    for (const [i, id] of ids.entries()) {
      expect(terminals[i]).toMatchObject([{ outcome: 'completed', attempts: 2 }]);
      const resumed = (await one.records(id)).filter((r) => r.type === 'resumed');
      expect(resumed).toMatchObject([{ attempt: 2, from: 'owner' }]);
    }
  });

  it('the owner killed and started again (same hostId) resumes its own sessions before it opens', async () => {
    const prefix = uniquePrefix();
    const ids = ['r1', 'r2'];
    const first = await startOwner(prefix, ids, 4);
    await first.untilAcks(10);
    await first.kill();
    const second = await startOwner(prefix, ids, 5);
    await second.untilAcks(4);
    expect(second.acked.size).toBeGreaterThan(0);
    for (const id of ids) {
      const records = (await rawRecords(server.url, prefix, id)).map((r) => r.record);
      expect(records.filter((r) => r.type === 'resumed')).toMatchObject([
        { attempt: 2, host: 'owner', from: 'owner' },
      ]);
      expect(records.filter((r) => r.type === 'terminal')).toEqual([]);
      const before = first.acked.get(id) ?? 0;
      // Counting on from the acknowledged count, never from zero.
      if (second.acked.has(id)) expect(second.acked.get(id)!).toBeGreaterThan(before);
    }
  });

  it('a survivor without the type leaves the session to one with it; when no live host has it, it ends interrupted naming the type', async () => {
    const prefix = uniquePrefix();
    const ids = ['t1', 't2', 't3'];
    const owner = await startOwner(prefix, ids, 2);
    const bystander = await open('bystander', prefix, false);
    const heir = await open('heir', prefix, true);
    await owner.untilAcks(10);
    await owner.kill();
    await viewsWhen(heir, ids, resumedOn('heir', 2));
    for (const id of ids) {
      expect(heir.getSession(id)?.outcome).toBeUndefined();
      const records = await heir.records(id);
      expect(records.filter((r) => r.type === 'terminal')).toEqual([]);
      expect(records.filter((r) => r.type === 'resumed')).toMatchObject([{ host: 'heir' }]);
    }

    // The heir hands off; the only live host left has no "counter" type.
    await heir.stop({ handOff: true });
    await viewsWhen(bystander, ids, (view) => view?.outcome === 'interrupted');
    for (const id of ids) {
      const terminals = (await bystander.records(id)).filter((r) => r.type === 'terminal');
      expect(terminals).toHaveLength(1);
      expect(terminals[0]).toMatchObject({ outcome: 'interrupted', attempts: 2 });
      expect((terminals[0] as { reason: string }).reason).toContain('session type "counter"');
    }
  });

  it('stop({ handOff: true }) under load: a live host with the type resumes every session at once, every acknowledged event kept', async () => {
    const prefix = uniquePrefix();
    const ids = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
    const longLease = 10_000;
    const leaving = await open('leaving', prefix, true, longLease);
    const staying = await open('staying', prefix, true, longLease);
    for (const id of ids) leaving.createSession({ id, type: 'counter' });
    await viewsWhen(leaving, ids, (view) => view?.state === 'running');
    const acked = new Map<string, number>();
    let total = 0;
    let stoppedAt = 0;
    let stopped: Promise<void> | undefined;
    await Promise.all(
      ids.map(async (id) => {
        for (;;) {
          try {
            await leaving.send(id, 'counter', { type: 'INC' });
          } catch {
            return; // handed off: this host has stopped
          }
          acked.set(id, (acked.get(id) ?? 0) + 1);
          if (++total === 60) {
            stoppedAt = performance.now();
            stopped = leaving.stop({ handOff: true });
          }
        }
      }),
    );
    await stopped;
    const resumedAt = await viewsWhen(staying, ids, resumedOn('staying', 2));
    expect(resumedAt - stoppedAt).toBeLessThan(longLease);
    for (const id of ids) expect(countOf(staying, id)).toBeGreaterThanOrEqual(acked.get(id) ?? 0);
    const terminals = await finishAll(staying, ids);
    for (const records of terminals) expect(records).toMatchObject([{ attempts: 2 }]);
  });

  it('a durable session taken over between its claim and its created record ends interrupted, saying so', async () => {
    const prefix = uniquePrefix();
    const survivor = await open('survivor', prefix, true);
    const { store } = await natsCluster({
      servers: server.url,
      prefix,
      leaseMs: LEASE_MS,
      timeoutMs: 3000,
    }).open({ hostId: 'ghost', now: () => Date.now(), sessionTypes: ['counter'] });
    await store.claim('g1', { createdAt: Date.now(), type: 'counter' });
    // Gone before `created`: the lease deleted, the claim left behind.
    await store.close();
    await viewsWhen(survivor, ['g1'], (view) => view?.outcome === 'interrupted');
    const terminals = (await survivor.records('g1')).filter((r) => r.type === 'terminal');
    expect(terminals).toHaveLength(1);
    expect((terminals[0] as { reason: string }).reason).toContain('before its created record');
    expect(await survivor.locate('g1')).toBeUndefined();
  });

  it('owner SIGSTOPped past its lease, then SIGCONT: the survivor resumes, and the old owner appends nothing more', async () => {
    const prefix = uniquePrefix();
    const ids = ['p1', 'p2', 'p3'];
    const owner = await startOwner(prefix, ids, 3);
    const survivor = await open('survivor', prefix, true);
    await owner.untilAcks(15);
    const stoppedAt = performance.now();
    owner.child.kill('SIGSTOP');
    const resumedAt = await viewsWhen(survivor, ids, resumedOn('survivor', 2));
    expect(resumedAt - stoppedAt).toBeLessThanOrEqual(LEASE_MS + 1000);
    const acked = new Map(owner.acked);
    for (const id of ids) expect(countOf(survivor, id)).toBeGreaterThanOrEqual(acked.get(id) ?? 0);

    owner.child.kill('SIGCONT');
    // Its send in flight when it was paused is refused, never acknowledged.
    const refused = await owner.untilNote((note) => note.startsWith('refused '));
    expect(refused).toMatch(/^refused p\d (fenced|moved)$/);
    for (const id of ids) {
      const records = await rawRecords(server.url, prefix, id);
      const oldIncarnation = records[0]!.msgId.split(':')[0]!;
      const takeover = records.findIndex(
        (r) => r.record.type === 'owner' && (r.record as { host?: string }).host === 'survivor',
      );
      expect(takeover).toBeGreaterThan(0);
      expect((records[takeover]!.record as { epoch?: number }).epoch).toBe(2);
      const late = records.slice(takeover).filter((r) => r.msgId.startsWith(`${oldIncarnation}:`));
      expect(late).toEqual([]);
    }

    const terminals = await finishAll(survivor, ids);
    for (const records of terminals) {
      expect(records).toMatchObject([{ outcome: 'completed', attempts: 2, host: 'survivor' }]);
    }
  });

  it('owner SIGSTOPped, then SIGCONT: the survivor on the same machine resumes the session in its worktree; the fenced owner leaves it alone', async () => {
    const prefix = uniquePrefix();
    const root = tempDir('root');
    const repo = makeRepo();
    const path = join(root, 'w1');
    const owner = await startDurableHost({
      cluster: { servers: server.url, prefix, leaseMs: LEASE_MS },
      hostId: 'owner',
      type: 'workspace',
      sessions: ['w1'],
      input: { repo, keep: 'never' },
      workspaceRoot: root,
      seed: 5,
    });
    hosts.push(owner);
    const survivor = await open('survivor', prefix, true, LEASE_MS, root);
    await owner.untilAcks(3);
    writeFileSync(join(path, 'work.txt'), 'the owner’s');
    gitSync(path, ['add', 'work.txt']);
    gitSync(path, ['commit', '-q', '-m', 'the owner’s commit']);
    owner.child.kill('SIGSTOP');
    await viewsWhen(survivor, ['w1'], resumedOn('survivor', 2));
    expect(survivor.getSession('w1')!.workspace).toEqual({ path, branch: 'xstate-otp/w1' });

    owner.child.kill('SIGCONT');
    // Fenced: its copy stops as a hand-off would, without releasing the workspace.
    await owner.untilNote((note) => note === 'ended w1 fenced');
    expect(readFileSync(join(path, 'work.txt'), 'utf8')).toBe('the owner’s');
    expect(linkedWorktrees(repo)).toEqual([{ path, branch: 'xstate-otp/w1', prunable: false }]);

    const [terminals] = await finishAll(survivor, ['w1']);
    expect(terminals).toMatchObject([{ outcome: 'completed', attempts: 2, host: 'survivor' }]);
    // The real end releases it, once: keep 'never'.
    expect(existsSync(path)).toBe(false);
    expect(linkedWorktrees(repo)).toEqual([]);
    const statuses = (await survivor.records('w1'))
      .filter((r) => r.type === 'workspace')
      .map((r) => r as { status?: unknown; reused?: unknown })
      .map((r) => `${String(r.status)}${r.reused ? '(reused)' : ''}`);
    expect(statuses).toEqual(['creating', 'ready(reused)', 'removed']);
  });
});
