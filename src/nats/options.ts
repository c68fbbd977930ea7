/**
 * `natsCluster` options: checked once, then turned into the timings and
 * names the rest of the cluster code uses.
 *
 * ```ts
 * const resolved = resolveClusterOptions({ servers: 'nats://127.0.0.1:4222', leaseMs: 2000 });
 * resolved.lease; // { leaseMs: 2000, ttlMs: 2400, renewMs: 400, sweepMs: 250 }
 * resolveClusterOptions({ servers: [] }); // throws SessionError('invalid_option')
 * ```
 *
 * The lease timing, all derived from `leaseMs`:
 * - a host renews its lease every `renewMs` (leaseMs / 5);
 * - it stops its own sessions once it has not renewed for `leaseMs`, on its
 *   own monotonic clock, counted from when it *sent* its last successful
 *   renewal (the server stamped it later than that);
 * - the server keeps a lease for `ttlMs` = leaseMs + margin (a quarter of
 *   leaseMs, 25 to 400 ms) after its last renewal, so a host always gives
 *   up its sessions at least `margin` before anyone else may take them;
 * - survivors look for expired leases every `sweepMs` (leaseMs / 8, 25 to
 *   250 ms), so a dead host's sessions are taken over within
 *   `ttlMs + sweepMs` plus a few round trips of its death: inside the
 *   `leaseMs + 1 s` the contract allows.
 */
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { SessionError } from '../ground/errors.js';
import { shown } from '../ground/shown.js';

/** Client options for the NATS connection (credentials, TLS...): everything but `servers`. */
export type NatsConnectionOptions = Omit<NodeConnectionOptions, 'servers'>;

export interface NatsClusterOptions {
  /** One URL or several (`nats://host:port`); the client fails over between them. */
  servers: string | string[];
  /** The host lease; default 10 000 ms. Every host sharing a `prefix` must use the same. */
  leaseMs?: number;
  /** Names the stream, buckets and subjects; several clusters can share one NATS. Default 'xotp'. */
  prefix?: string;
  /** JetStream replicas of the stream and buckets when this host creates them; 3 in production. Default 1. */
  replicas?: number;
  /** How long one NATS operation may take, retries included, before `ClusterError('timeout')`. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Passed to the client's `connect` (credentials, TLS, ...): for example
   * `{ user, pass }`, `{ token }` or `{ authenticator: credsAuthenticator(creds) }`.
   * Credentials written into a server URL are not used by the client.
   */
  connection?: NatsConnectionOptions;
}

export interface LeaseTiming {
  leaseMs: number;
  ttlMs: number;
  renewMs: number;
  sweepMs: number;
}

export interface ResolvedClusterOptions {
  servers: string[];
  prefix: string;
  replicas: number;
  timeoutMs: number;
  /** How long `open` waits for a first connection before `ClusterError('unavailable')`. */
  connectTimeoutMs: number;
  lease: LeaseTiming;
  connection: NatsConnectionOptions;
}

/** Prefixes and session ids are single NATS subject tokens and valid KV keys as they are. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

function invalid(message: string): SessionError {
  return new SessionError('invalid_option', `natsCluster: ${message}`);
}

function positiveMs(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(`${name} must be a finite number of ms >= ${min}; got ${shown(value)}.`);
  }
  return Math.round(value);
}

function checkServers(servers: unknown): string[] {
  const list = typeof servers === 'string' ? [servers] : servers;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((url) => typeof url === 'string' && url.trim() !== '')
  ) {
    throw invalid(`servers must be a URL or a non-empty array of URLs; got ${shown(servers)}.`);
  }
  return list as string[];
}

/** Derives every lease timing from `leaseMs`; see the module comment. */
export function leaseTiming(leaseMs: number): LeaseTiming {
  return {
    leaseMs,
    ttlMs: leaseMs + Math.round(clamp(leaseMs / 4, 25, 400)),
    renewMs: Math.max(10, Math.round(leaseMs / 5)),
    sweepMs: Math.round(clamp(leaseMs / 8, 25, 250)),
  };
}

/** Checks `natsCluster` options; throws `SessionError('invalid_option')` naming the bad one. */
export function resolveClusterOptions(options: NatsClusterOptions): ResolvedClusterOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(`expected an options object; got ${shown(options)}.`);
  }
  const servers = checkServers(options.servers);
  const prefix = options.prefix ?? 'xotp';
  if (typeof prefix !== 'string' || prefix.length > 32 || !TOKEN.test(prefix)) {
    throw invalid(
      `prefix must be 1 to 32 characters of A-Z a-z 0-9 _ -; got ${shown(options.prefix)}.`,
    );
  }
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
    throw invalid(`replicas must be an integer from 1 to 5; got ${shown(replicas)}.`);
  }
  const leaseMs = positiveMs('leaseMs', options.leaseMs, 10_000, 100);
  const timeoutMs = positiveMs('timeoutMs', options.timeoutMs, 10_000, 1);
  const connection = options.connection ?? {};
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw invalid(`connection must be an object of client options; got ${shown(connection)}.`);
  }
  return {
    servers,
    prefix,
    replicas,
    timeoutMs,
    connectTimeoutMs: Math.min(timeoutMs, 5000),
    lease: leaseTiming(leaseMs),
    connection,
  };
}

/** Whether `id` can be used as a subject token and KV key unchanged. */
export function isToken(id: string): boolean {
  return TOKEN.test(id);
}
