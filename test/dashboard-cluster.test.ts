/**
 * The dashboard of a cluster manager shows every host's sessions, each with
 * its host, and acts on a session of another host through its owner.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { serveDashboard } from '../src/dashboard/index.js';
import { createSessionManager, type SessionManager } from '../src/index.js';
import { natsCluster } from '../src/nats/index.js';
import { isPidAlive } from '../src/testing/processes.js';
import { apiClient } from './helpers/dashboard.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import { TEST_LEASE_MS, uniquePrefix } from './helpers/nats-stores.js';
import { agentSessionSpec } from './helpers/workers.js';

const agentSession = (id: string) => agentSessionSpec(id, { metadata: { title: `on ${id}` } });

/** Resolves once `predicate` holds for the manager's view of `id` (driven by its dashboard store). */
function viewOn(manager: SessionManager, id: string, predicate: (state?: string) => boolean) {
  return new Promise<void>((resolve) => {
    const check = () => {
      if (!predicate(manager.getSession(id)?.state)) return;
      subscription.unsubscribe();
      resolve();
    };
    const subscription = manager.dashboard.subscribe(check);
    check();
  });
}

natsSuite('the dashboard in cluster mode', () => {
  let server: SingleNats;
  const managers: SessionManager[] = [];
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.allSettled(managers.splice(0).map((manager) => manager.stop()));
  });
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  it("lists every host's sessions with their host, and terminates another host's session", async () => {
    const prefix = uniquePrefix();
    const open = async (hostId: string) => {
      const manager = await createSessionManager({
        hostId,
        cluster: natsCluster({
          servers: server.url,
          prefix,
          leaseMs: TEST_LEASE_MS,
          timeoutMs: 3000,
        }),
      });
      managers.push(manager);
      return manager;
    };
    const a = await open('host-a');
    const b = await open('host-b');
    a.createSession(agentSession('on-a'));
    const onB = b.createSession(agentSession('on-b'));
    await viewOn(a, 'on-b', (state) => state === 'running');
    await viewOn(a, 'on-a', (state) => state === 'running');

    const dashboard = await serveDashboard(a, { port: 0 });
    try {
      const api = apiClient(dashboard);
      const list = await api.get('/api/sessions');
      expect(list.status).toBe(200);
      const rows = (list.body.sessions ?? list.body) as Array<{ id: string; host?: string }>;
      expect(rows.map((row) => [row.id, row.host]).sort()).toEqual([
        ['on-a', 'host-a'],
        ['on-b', 'host-b'],
      ]);

      // Host B's session, terminated from host A's dashboard.
      const terminated = await api.post('/api/sessions/on-b/terminate');
      expect(terminated.status).toBe(200);
      expect(await onB.done).toMatchObject({
        sessionId: 'on-b',
        outcome: 'cancelled',
        host: 'host-b',
      });
      await viewOn(a, 'on-b', (state) => state === 'cancelled');
    } finally {
      await dashboard.close();
    }
  });
});
