/**
 * Cluster mode without a server: option checks, the lease timing derived
 * from leaseMs, the server version gate, host keys and the process scope.
 */
import { describe, expect, it } from 'vitest';
import { ClusterError, SessionError } from '../src/ground/errors.js';
import { clusterScope, leaseTiming, natsCluster } from '../src/nats/index.js';
import { clusterNames, hostKey } from '../src/nats/names.js';
import { checkServerVersion } from '../src/nats/serverVersion.js';

function optionError(run: () => unknown): SessionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionError);
    expect((error as SessionError).code).toBe('invalid_option');
    return error as SessionError;
  }
  throw new Error('expected an invalid_option error');
}

describe('natsCluster options', () => {
  it('defaults: prefix xotp, one replica, a 10 s lease, a 10 s operation budget', () => {
    const { options } = natsCluster({ servers: 'nats://127.0.0.1:4222' });
    expect(options).toMatchObject({
      servers: ['nats://127.0.0.1:4222'],
      prefix: 'xotp',
      replicas: 1,
      timeoutMs: 10_000,
      connectTimeoutMs: 5000,
      lease: { leaseMs: 10_000, ttlMs: 10_400, renewMs: 2000, sweepMs: 250 },
    });
  });

  it.each([
    [{ servers: '' }, 'servers'],
    [{ servers: [] }, 'servers'],
    [{ servers: ['nats://a:1', 42] }, 'servers'],
    [{ servers: 'nats://a:1', leaseMs: 50 }, 'leaseMs'],
    [{ servers: 'nats://a:1', leaseMs: Number.NaN }, 'leaseMs'],
    [{ servers: 'nats://a:1', leaseMs: '10s' }, 'leaseMs'],
    [{ servers: 'nats://a:1', prefix: 'a.b' }, 'prefix'],
    [{ servers: 'nats://a:1', prefix: 'x>' }, 'prefix'],
    [{ servers: 'nats://a:1', prefix: '' }, 'prefix'],
    [{ servers: 'nats://a:1', replicas: 0 }, 'replicas'],
    [{ servers: 'nats://a:1', replicas: 2.5 }, 'replicas'],
    [{ servers: 'nats://a:1', timeoutMs: 0 }, 'timeoutMs'],
    [{ servers: 'nats://a:1', connection: 'user:pass' }, 'connection'],
  ])('refuses %j naming %s', (options, name) => {
    const error = optionError(() => natsCluster(options as never));
    expect(error.message).toContain(name);
  });

  it('refuses a missing options object', () => {
    optionError(() => natsCluster(undefined as never));
  });
});

describe('lease timing', () => {
  it('the server keeps a lease longer than the host trusts it, by a bounded margin', () => {
    for (const leaseMs of [100, 500, 1000, 2000, 10_000, 60_000]) {
      const timing = leaseTiming(leaseMs);
      const margin = timing.ttlMs - leaseMs;
      expect(margin).toBeGreaterThanOrEqual(25);
      expect(margin).toBeLessThanOrEqual(400);
      expect(timing.renewMs * 4).toBeLessThanOrEqual(leaseMs);
      // A dead host's sessions are found within leaseMs + 1 s with room for the takeover itself.
      expect(margin + timing.sweepMs).toBeLessThanOrEqual(650);
    }
  });
});

describe('server version gate', () => {
  it.each(['2.9.0', '2.9.10', 'v2.9.23', '2.10.0', '2.11.4-beta', '3.0.0'])('accepts %s', (v) => {
    expect(() => checkServerVersion(v)).not.toThrow();
  });

  it.each(['2.8.4', '2.2.0', '1.4.1', '', 'garbage', undefined])('refuses %j', (v) => {
    try {
      checkServerVersion(v);
      throw new Error('expected unsupported_server');
    } catch (error) {
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as ClusterError).code).toBe('unsupported_server');
    }
  });
});

describe('names', () => {
  it('derives every name from the prefix', () => {
    const names = clusterNames('blue');
    expect(names.journalStream).toBe('blue_journal');
    expect(names.journalSubject('a-1')).toBe('blue.journal.a-1');
    expect(names.hostsBucket).toBe('blue_hosts');
    expect(names.ownersBucket).toBe('blue_owners');
    expect(names.hostSubject('w1')).toBe('blue.host.w1');
  });

  it('keeps plain host ids and encodes others so that no two collide', () => {
    expect(hostKey('worker-1')).toBe('worker-1');
    const odd = ['worker 1.lan', 'a.b', 'a>b', 'été', '=d29ya2Vy', 'worker'];
    const keys = odd.map(hostKey);
    expect(new Set(keys).size).toBe(odd.length);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_=-]+$/);
  });

  it('scopes processes by prefix and host, the same on every run', () => {
    expect(clusterScope('xotp', 'w1')).toBe(clusterScope('xotp', 'w1'));
    expect(clusterScope('xotp', 'w1')).not.toBe(clusterScope('xotp', 'w2'));
    expect(clusterScope('xotp', 'w1')).not.toBe(clusterScope('other', 'w1'));
    expect(clusterScope('xotp', 'w1')).toMatch(/^[0-9a-f]{16}$/);
  });
});
