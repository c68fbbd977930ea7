/**
 * Joining NATS: connect, check the server, and make sure the stream and the
 * two buckets exist (the first host creates them; later ones open them).
 *
 * ```ts
 * const link = await connectCluster(resolved, 'worker-1');
 * link.js.publish(subject, payload); link.hosts.get('worker-1'); await link.nc.drain();
 * ```
 *
 * Rejects with `ClusterError('unavailable')` when no server answers within
 * `connectTimeoutMs` (a refused connection fails at once),
 * `ClusterError('unsupported_server')` for a server older than 2.9.0 or one
 * without JetStream, and `SessionError('invalid_option')` when the hosts
 * bucket exists with another lease TTL (every host of a prefix must use the
 * same `leaseMs`: the TTL is the bucket's, one for all).
 */
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ClusterError, SessionError } from '../ground/errors.js';
import { type ClusterNames, clusterNames } from './names.js';
import { isTransient, withRetries } from './natsCalls.js';
import type { ResolvedClusterOptions } from './options.js';
import { checkServerVersion } from './serverVersion.js';

export interface ClusterLink {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /**
   * JetStream contexts whose requests wait `timeoutMs` for an answer: one
   * attempt of a retried call (see natsCalls.ts) uses the attempt's own
   * timeout, not the connection-wide one.
   */
  api(timeoutMs: number): Promise<JetStreamApi>;
  names: ClusterNames;
  hosts: KV;
  owners: KV;
  /** Whether the journal stream answers direct gets (any replica serves them). */
  directReads: boolean;
}

export interface JetStreamApi {
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** Contexts per request timeout (rounded up to 50 ms, so a handful exist), made on first use. */
function apiContexts(nc: NatsConnection): (timeoutMs: number) => Promise<JetStreamApi> {
  const made = new Map<number, Promise<JetStreamApi>>();
  return (timeoutMs) => {
    const timeout = Math.max(50, Math.ceil(timeoutMs / 50) * 50);
    let api = made.get(timeout);
    if (api === undefined) {
      api = jetstreamManager(nc, { timeout, checkAPI: false }).then((jsm) => ({
        js: jetstream(nc, { timeout }),
        jsm,
      }));
      made.set(timeout, api);
    }
    return api;
  };
}

const PING_INTERVAL_MS = 2000;

async function openConnection(
  options: ResolvedClusterOptions,
  hostId: string,
): Promise<NatsConnection> {
  try {
    return await connect({
      name: `xstate-otp ${hostId}`,
      timeout: options.connectTimeoutMs,
      // Once joined, keep trying for ever: the lease decides when this host
      // has been away too long, not the client.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // A server that stops answering (paused, partitioned) keeps its TCP
      // connection open: only unanswered pings tell, after two more
      // intervals (the client's maxPingOut). Every 2 s here, so the client
      // moves to another server within an election's time, instead of
      // sending every retry to a server that cannot answer. The cost: one
      // PING/PONG every 2 s.
      pingInterval: PING_INTERVAL_MS,
      // Otherwise the client builds two Error objects (stack traces) per
      // request in case it fails: a third of its CPU time in a busy host.
      noAsyncTraces: true,
      ...options.connection,
      servers: options.servers,
    });
  } catch (error) {
    throw new ClusterError(
      'unavailable',
      `Cannot reach NATS at ${options.servers.join(', ')}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * A server without JetStream has no responder on the JetStream API, which
 * the client reports as "jetstream is not enabled": that is final. A
 * clustered server that is electing its meta leader gives no answer or a
 * 503 instead, which is retried.
 */
async function checkJetStream(
  api: (timeoutMs: number) => Promise<JetStreamApi>,
  options: ResolvedClusterOptions,
) {
  await withRetries('JetStream account info', options.timeoutMs, async (timeout) => {
    try {
      return await (await api(timeout)).jsm.getAccountInfo();
    } catch (error) {
      if ((error as Error)?.name !== 'JetStreamNotEnabled') throw error;
      throw new ClusterError(
        'unsupported_server',
        'JetStream is not enabled on this NATS server (start it with -js, or a jetstream block in its config).',
        { cause: error },
      );
    }
  });
}

async function ensureJournalStream(
  { jsm }: JetStreamApi,
  names: ClusterNames,
  options: ResolvedClusterOptions,
): Promise<boolean> {
  // Any replica answers a direct get (found or not), with or without a
  // leader: then the stream exists and allows them, and opening does not
  // wait for an election of the stream. '=' never occurs in a session id.
  const answered = await jsm.direct
    .getMessage(names.journalStream, { last_by_subj: names.journalSubject('=probe') })
    .then(
      () => true,
      () => false,
    );
  if (answered) return true;
  const existing = await jsm.streams.info(names.journalStream).catch((error: Error) => {
    if ((error as { code?: number }).code === 10059) return undefined; // stream not found
    throw error;
  });
  if (existing) return existing.config.allow_direct === true;
  const config = {
    name: names.journalStream,
    subjects: [names.journalSubjects],
    storage: StorageType.File,
    num_replicas: options.replicas,
    allow_direct: true,
    // The de-duplication window covers every retry of an append.
    duplicate_window: 120_000 * 1_000_000,
  };
  try {
    await jsm.streams.add(config);
  } catch (error) {
    // Another host created it at the same moment (same name, maybe other replicas).
    if ((error as { code?: number }).code !== 10058) throw error;
  }
  const info = await jsm.streams.info(names.journalStream);
  return info.config.allow_direct === true;
}

async function ensureBuckets(
  { js }: JetStreamApi,
  names: ClusterNames,
  options: ResolvedClusterOptions,
): Promise<{ hosts: KV; owners: KV }> {
  const kvm = new Kvm(js);
  const hosts = await kvm.create(names.hostsBucket, {
    history: 1,
    ttl: options.lease.ttlMs,
    replicas: options.replicas,
    storage: StorageType.File,
  });
  const owners = await kvm.create(names.ownersBucket, {
    history: 1,
    replicas: options.replicas,
    storage: StorageType.File,
  });
  const ttl = (await hosts.status()).ttl;
  if (ttl !== options.lease.ttlMs) {
    throw new SessionError(
      'invalid_option',
      `natsCluster: the hosts of prefix '${names.prefix}' hold leases of ${ttl} ms (bucket ${names.hostsBucket}), ` +
        `but leaseMs ${options.lease.leaseMs} means ${options.lease.ttlMs} ms: every host of a cluster must use the same leaseMs.`,
    );
  }
  return { hosts, owners };
}

/** Creating a stream or bucket takes longer than a read: an R3 create waits for its peers. */
const OPEN_ATTEMPT_MS = 1500;

/** Connects and prepares the cluster's stream and buckets; closes the connection on failure. */
export async function connectCluster(
  options: ResolvedClusterOptions,
  hostId: string,
): Promise<ClusterLink> {
  const nc = await openConnection(options, hostId);
  try {
    checkServerVersion(nc.info?.version);
    const names = clusterNames(options.prefix);
    const api = apiContexts(nc);
    const { js, jsm } = await api(Math.min(options.timeoutMs, 5000));
    // Opening rides out an election: each step retries with short attempts
    // (a request forwarded to a leader that just died gets no answer).
    await checkJetStream(api, options);
    const directReads = await withRetries(
      'journal stream',
      options.timeoutMs,
      async (timeout) => ensureJournalStream(await api(timeout), names, options),
      OPEN_ATTEMPT_MS,
    );
    const { hosts, owners } = await withRetries(
      'buckets',
      options.timeoutMs,
      async (timeout) => ensureBuckets(await api(timeout), names, options),
      OPEN_ATTEMPT_MS,
    );
    return { nc, js, jsm, api, names, hosts, owners, directReads };
  } catch (error) {
    await nc.close().catch(() => {});
    if (error instanceof ClusterError || error instanceof SessionError) throw error;
    throw new ClusterError(
      isTransient(error) ? 'timeout' : 'unavailable',
      `Cannot prepare the cluster's stream and buckets: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
