/**
 * A cluster host in its own process for the failover figures: a session
 * manager on NATS with idle sessions, killed with SIGKILL by the scenario.
 *
 *   node bench/lib/clusterHost.mjs '<json: servers, prefix, hostId, leaseMs, sessions, durable?>'
 *
 * With `durable`, the sessions are of the durable type `ping`
 * (`durableTypes`), for a survivor to resume. Prints `ready` once every
 * session runs.
 */
import { createSessionManager, loadNats } from './library.mjs';
import { durableTypes, idleChild, sessionSpec } from './machines.mjs';

const config = JSON.parse(process.argv[2]);
const { natsCluster } = await loadNats();
const manager = await createSessionManager({
  hostId: config.hostId,
  cluster: natsCluster({ servers: config.servers, prefix: config.prefix, leaseMs: config.leaseMs }),
  sessionTypes: durableTypes,
});
const spec = (id) => (config.durable ? { id, type: 'ping' } : { ...sessionSpec(idleChild), id });
const running = (session) =>
  new Promise((resolve) => {
    const subscription = session.ref.subscribe((snapshot) => {
      if (!snapshot.hasTag('running')) return;
      subscription.unsubscribe();
      resolve();
    });
  });
await Promise.all(
  Array.from({ length: config.sessions }, (_, i) =>
    running(manager.createSession(spec(`doomed-${i}`))),
  ),
);
process.stdout.write('ready\n');
setInterval(() => {}, 1 << 30);
