/**
 * The sweeper, on every host: finds sessions whose owner is gone and ends
 * each one `interrupted`, once, whichever host gets there first.
 *
 * ```ts
 * const sweeper = startSweeper({ ...ctx, link, timing, isHeld, onEnded: report });
 * await sweeper.sweep();   // one full pass now (start-up does this)
 * sweeper.stop();
 * ```
 *
 * How a dead host is noticed: NATS 2.9 sends no watch event when a bucket
 * TTL removes an entry, so every `sweepMs` the sweeper reads the lease of
 * each host it knows (the hosts bucket's watch tells it who exists) and,
 * when one is gone, confirms that with the stream leader, then sweeps that
 * host's sessions. A lease deleted on purpose (`close()`) arrives through
 * the watch and is swept at once.
 *
 * Which owner entries are orphans, in a sweep:
 * - another host's, when that host has no lease, or a lease of another
 *   incarnation that says it has reconciled (it settled its previous run's
 *   sessions, and this one it did not take);
 * - this host's, when they belong to an earlier incarnation (the store
 *   calls `sweep` after rejoining), or to this incarnation but the store
 *   does not hold them (a claim or takeover that failed half way).
 *
 * A full sweep also runs every `fullSweepMs`, as a safety net for entries
 * no lease event pointed at. Takeovers run a few at a time; each is a
 * compare-and-set (see takeover.ts), so sweepers racing on several hosts
 * end every session once.
 */
import type { SessionSummary } from '../journal/index.js';
import type { ClusterLink } from './connection.js';
import { type LeaseRecord, type LeaseValue, readLease } from './hostLease.js';
import { hostKey } from './names.js';
import type { LeaseTiming } from './options.js';
import type { OwnerEntry } from './owners.js';
import { interruptOrphan, type TakeoverContext } from './takeover.js';

export interface SweeperOptions extends TakeoverContext {
  link: ClusterLink;
  timing: LeaseTiming;
  timeoutMs: number;
  /** Whether this host holds the session (or is claiming it) right now. */
  holds(sessionId: string): boolean;
  /** Whether this host holds its lease: a fenced host takes nothing over. */
  isHeld(): boolean;
  /** A session this sweeper ended. */
  onEnded(summary: SessionSummary): void;
  /** A sweep that failed (NATS trouble); the next one retries. */
  onError(error: unknown): void;
}

export interface Sweeper {
  /** One pass over every owner entry (or only `hostId`'s); resolves the sessions it ended. */
  sweep(hostId?: string, why?: string): Promise<SessionSummary[]>;
  stop(): Promise<void>;
}

const PARALLEL_TAKEOVERS = 16;

export function startSweeper(options: SweeperOptions): Sweeper {
  const { link, timing, hostId: self } = options;
  const fullSweepMs = Math.max(5000, 4 * timing.leaseMs);
  /** Other hosts seen alive: host id -> the incarnation of its lease. */
  const knownHosts = new Map<string, string>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  let lastFullSweep = performance.now();
  let pollTimer: NodeJS.Timeout | undefined;
  let watchStop: (() => void) | undefined;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    running.add(promise);
    const untrack = () => running.delete(promise);
    promise.then(untrack, untrack);
    return promise;
  };

  /** Why the entry is orphaned; a lease deleted on purpose says so, whichever pass finds it. */
  const reasonFor = (
    entry: OwnerEntry,
    why: string | undefined,
    lease: LeaseRecord | undefined,
  ): string =>
    why !== undefined
      ? `host ${entry.value.host} ${why}`
      : entry.value.host === self && entry.value.incarnation === options.incarnation()
        ? `host ${self} could not finish claiming or taking over the session`
        : entry.value.host === self
          ? `host ${self} lost its lease (incarnation ${entry.value.incarnation})`
          : lease !== undefined && lease.value === undefined && lease.seq !== 0
            ? `host ${entry.value.host} left the cluster`
            : `host ${entry.value.host} stopped renewing its lease`;

  const isOrphan = (entry: OwnerEntry, lease: LeaseValue | undefined): boolean => {
    const { host, incarnation } = entry.value;
    if (host === self) {
      return incarnation !== options.incarnation() || !options.holds(entry.sessionId);
    }
    if (lease === undefined) return true;
    return lease.incarnation !== incarnation && lease.reconciled;
  };

  const sweep = (onlyHost?: string, why?: string): Promise<SessionSummary[]> =>
    track(
      (async () => {
        if (!onlyHost) lastFullSweep = performance.now();
        if (!options.isHeld()) return [];
        const entries = (await options.owners.scan()).filter(
          (entry) => onlyHost === undefined || entry.value.host === onlyHost,
        );
        const leases = new Map<string, LeaseRecord>();
        for (const host of new Set(entries.map((entry) => entry.value.host))) {
          if (host === self) continue;
          leases.set(host, await readLease(link, host, options.timeoutMs));
        }
        const orphans = entries.filter((entry) =>
          isOrphan(entry, leases.get(entry.value.host)?.value),
        );
        const ended: SessionSummary[] = [];
        for (let index = 0; index < orphans.length && !stopped; index += PARALLEL_TAKEOVERS) {
          const batch = orphans.slice(index, index + PARALLEL_TAKEOVERS);
          const results = await Promise.allSettled(
            batch.map((entry) =>
              options.isHeld()
                ? interruptOrphan(
                    options,
                    entry,
                    reasonFor(entry, why, leases.get(entry.value.host)),
                  )
                : Promise.resolve(undefined),
            ),
          );
          for (const result of results) {
            if (result.status === 'rejected') options.onError(result.reason);
            else if (result.value) {
              ended.push(result.value);
              options.onEnded(result.value);
            }
          }
        }
        return ended;
      })(),
    );

  /** Reads each known host's lease (any replica); a missing one is confirmed by the leader. */
  const poll = async () => {
    for (const [host, incarnation] of knownHosts) {
      if (stopped) return;
      const entry = await link.hosts.get(hostKey(host)).catch(() => null);
      if (entry?.operation === 'PUT') continue;
      const confirmed = await readLease(link, host, options.timeoutMs);
      if (confirmed.value?.incarnation === incarnation) continue;
      if (confirmed.value) knownHosts.set(host, confirmed.value.incarnation);
      else knownHosts.delete(host);
      // The sweep words the reason from the lease it reads: a delete marker
      // (the host released its lease, closing) or nothing (it expired).
      await sweep(host);
    }
    if (performance.now() - lastFullSweep >= fullSweepMs) await sweep();
  };

  const schedule = () => {
    if (stopped) return;
    pollTimer = setTimeout(() => {
      track(poll()).catch(options.onError).finally(schedule);
    }, timing.sweepMs);
  };

  const watchHosts = async () => {
    const watch = await link.hosts.watch();
    watchStop = () => watch.stop();
    (async () => {
      for await (const entry of watch) {
        let lease: LeaseValue | undefined;
        try {
          lease = entry.operation === 'PUT' ? (entry.json() as LeaseValue) : undefined;
        } catch {
          continue;
        }
        if (lease) {
          if (lease.hostId !== self) knownHosts.set(lease.hostId, lease.incarnation);
          continue;
        }
        // A lease deleted on purpose: sweep that host now, not at the next poll.
        const host = [...knownHosts.keys()].find((id) => hostKey(id) === entry.key);
        if (host !== undefined) {
          knownHosts.delete(host);
          track(sweep(host, 'left the cluster')).catch(options.onError);
        }
      }
    })().catch(options.onError);
  };

  track(watchHosts()).catch(options.onError);
  schedule();

  return {
    sweep,
    async stop() {
      stopped = true;
      clearTimeout(pollTimer);
      watchStop?.();
      await Promise.allSettled([...running]);
    },
  };
}
