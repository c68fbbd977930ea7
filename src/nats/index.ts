/**
 * Cluster mode: sessions spread over hosts through NATS JetStream (server
 * 2.9 or newer). Entry `xstate-otp/nats`; it alone loads the optional peer
 * dependencies `@nats-io/transport-node`, `@nats-io/jetstream` and
 * `@nats-io/kv`.
 *
 * ```ts
 * import { createSessionManager } from 'xstate-otp';
 * import { natsCluster } from 'xstate-otp/nats';
 *
 * const manager = await createSessionManager({
 *   hostId: 'worker-1',                         // stable across restarts of this host
 *   cluster: natsCluster({
 *     servers: 'nats://127.0.0.1:4222',         // string | string[]
 *     leaseMs: 10_000,                          // host lease; default 10 s
 *     prefix: 'xotp',                           // several clusters can share one NATS
 *     replicas: 1,                              // 3 in production
 *   }),
 * });
 * ```
 *
 * See docs/cluster.md for the guarantees, the failure model and the data
 * layout. Its errors are `ClusterError`s, exported by the main entry.
 */
export { clusterScope, type NatsClusterStoreFactory, natsCluster } from './natsCluster.js';
export {
  type LeaseTiming,
  leaseTiming,
  type NatsClusterOptions,
  type NatsConnectionOptions,
} from './options.js';
export { checkServerVersion, MIN_SERVER_VERSION } from './serverVersion.js';
