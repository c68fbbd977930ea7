/**
 * The sweeper, on every host: finds sessions whose owner is gone and ends
 * each one `interrupted`, once, whichever host gets there first, unless it
 * is durable: then a host with its type takes it over and resumes it.
 *
 * ```ts
 * const sweeper = startSweeper({ ...ctx, link, timing, isHeld, sessionTypes, adopt, onAdopted, onEnded: report });
 * await sweeper.sweep();   // one full pass now (start-up does this)
 * sweeper.stop();
 * ```
 *
 * How a dead host is noticed: NATS 2.9 sends no watch event when a bucket
 * TTL removes an entry, so the sweeper reads the leases of the hosts it
 * knows (the hosts bucket's watch tells it who exists, and when each one
 * last renewed). It reads them when a lease is due to run out (its last
 * renewal seen plus the TTL: the server stamped it no later than that),
 * and every `sweepMs` in any case. A lease gone is confirmed with the
 * stream leader, then that host's sessions are swept. A lease deleted on
 * purpose (`close()`) arrives through the watch and is swept at once.
 *
 * Which owner entries are orphans, in a sweep:
 * - another host's, when that host has no lease, or a lease of another
 *   incarnation that says it has reconciled (it settled its previous run's
 *   sessions, and this one it did not take);
 * - this host's, when they belong to an earlier incarnation (the store
 *   calls `sweep` after rejoining), or to this incarnation but the store
 *   does not hold them (a claim or takeover that failed half way).
 *
 * What becomes of an orphan (`settleOrphan`): a durable session (its owner
 * entry names its type) goes to a host that has the type. This host takes
 * it over if it has the type (a claim with a higher epoch, then the manager
 * resumes it); otherwise it leaves it while a live host's lease lists the
 * type (that host's sweeper takes it), and ends it `interrupted`, naming
 * the type, when none does. Any other orphan ends `interrupted`.
 *
 * A full sweep also runs every `fullSweepMs`, as a safety net for entries
 * no lease event pointed at. Takeovers run a few at a time, and each ended
 * session is reported as soon as its terminal record is written; each is a
 * compare-and-set (see takeover.ts), so sweepers racing on several hosts
 * end every session once.
 */
import type { SessionSummary } from '../journal/index.js';
import type { ClusterLink } from './connection.js';
import { followStream } from './consumers.js';
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
  /** The durable session types this host resumes. */
  sessionTypes: ReadonlySet<string>;
  /** Takes an orphaned durable session for this host (see `SessionClaims.adopt`). */
  adopt(entry: OwnerEntry): Promise<SessionSummary | undefined>;
  /** A durable session this sweeper took over, for the manager to resume. */
  onAdopted(summary: SessionSummary): void;
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
/** A lease still there when it was due: read again this soon, then twice as late, up to `sweepMs`. */
const FIRST_RECHECK_MS = 5;

interface KnownHost {
  /** The incarnation of its lease. */
  incarnation: string;
  /** The durable session types it resumes. */
  sessionTypes: readonly string[];
  /** Its lease says it has settled its previous incarnation's sessions. */
  reconciled: boolean;
  /** When its lease runs out unless renewed (this host's monotonic clock). */
  dueAt: number;
  /** How long after `dueAt` to look again, if the lease is still there then. */
  recheckMs: number;
}

export function startSweeper(options: SweeperOptions): Sweeper {
  const { link, timing, hostId: self } = options;
  const fullSweepMs = Math.max(5000, 4 * timing.leaseMs);
  /** Other hosts seen alive, by host id. */
  const knownHosts = new Map<string, KnownHost>();
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  let lastFullSweep = performance.now();
  let pollTimer: NodeJS.Timeout | undefined;
  let watchStop: (() => Promise<void>) | undefined;

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

  /** A live host, other than `gone`, that resumes sessions of `type`. */
  const liveHostWith = (type: string, gone: string, leases: Map<string, LeaseRecord>) => {
    for (const [host, known] of knownHosts) {
      const dead = leases.has(host) && leases.get(host)!.value === undefined;
      if (host !== gone && !dead && known.sessionTypes.includes(type)) return host;
    }
    return undefined;
  };

  /**
   * What becomes of one orphan: a durable session of a type this host has is
   * taken over and resumed here; one of a type only another live host has
   * is left to that host (its sweeper takes it); any other ends
   * `interrupted`, the reason naming the type when it was durable.
   */
  const settleOrphan = async (
    entry: OwnerEntry,
    reason: string,
    leases: Map<string, LeaseRecord>,
    report: (summary: SessionSummary) => void,
  ): Promise<void> => {
    const { type } = entry.value;
    if (type === undefined) {
      await interruptOrphan(options, entry, reason, report);
      return;
    }
    if (options.sessionTypes.has(type)) {
      const adopted = await options.adopt(entry);
      if (adopted) options.onAdopted(adopted);
      return;
    }
    if (liveHostWith(type, entry.value.host, leases) !== undefined) return;
    const noType = `${reason}, and no live host has session type "${type}" to resume it`;
    await interruptOrphan(options, entry, noType, report);
  };

  /** Settles `orphans` a batch at a time, reporting each end as soon as its terminal record is written. */
  const settleAll = async (
    orphans: OwnerEntry[],
    reasonOf: (entry: OwnerEntry) => string,
    leases: Map<string, LeaseRecord>,
  ): Promise<SessionSummary[]> => {
    const ended: SessionSummary[] = [];
    const report = (summary: SessionSummary) => {
      ended.push(summary);
      options.onEnded(summary);
    };
    for (let index = 0; index < orphans.length && !stopped; index += PARALLEL_TAKEOVERS) {
      const batch = orphans.slice(index, index + PARALLEL_TAKEOVERS);
      await Promise.all(
        batch.map((entry) =>
          options.isHeld()
            ? settleOrphan(entry, reasonOf(entry), leases, report).catch(options.onError)
            : undefined,
        ),
      );
    }
    return ended;
  };

  /**
   * One pass over every owner entry, or only `onlyHost`'s; `lease` is that
   * host's lease when the caller has just read it from the stream leader.
   */
  const sweepOnce = async (
    onlyHost: string | undefined,
    why: string | undefined,
    lease?: LeaseRecord,
  ): Promise<SessionSummary[]> => {
    if (!onlyHost) lastFullSweep = performance.now();
    if (!options.isHeld()) return [];
    const entries = (await options.owners.scan()).filter(
      (entry) => onlyHost === undefined || entry.value.host === onlyHost,
    );
    const leases = new Map<string, LeaseRecord>();
    if (onlyHost !== undefined && lease !== undefined) leases.set(onlyHost, lease);
    for (const host of new Set(entries.map((entry) => entry.value.host))) {
      if (host === self || leases.has(host)) continue;
      leases.set(host, await readLease(link, host, options.timeoutMs));
    }
    const orphans = entries.filter((entry) => isOrphan(entry, leases.get(entry.value.host)?.value));
    const reasonOf = (entry: OwnerEntry) => reasonFor(entry, why, leases.get(entry.value.host));
    return settleAll(orphans, reasonOf, leases);
  };

  const sweep = (onlyHost?: string, why?: string, lease?: LeaseRecord) =>
    track(sweepOnce(onlyHost, why, lease));

  /** The known hosts whose lease the replica that answers (any) does not have. */
  const missingLeases = async (): Promise<string[]> => {
    const hosts = [...knownHosts.keys()];
    const entries = await Promise.all(
      hosts.map((host) => link.hosts.get(hostKey(host)).catch(() => null)),
    );
    const now = performance.now();
    return hosts.filter((host, index) => {
      if (entries[index]?.operation === 'PUT') {
        // Due but still there (renewed, and the watch has not said so yet,
        // or the server expires it a few ms late): look again soon.
        const known = knownHosts.get(host);
        if (known && known.dueAt <= now) {
          known.dueAt = now + known.recheckMs;
          known.recheckMs = Math.min(2 * known.recheckMs, timing.sweepMs);
        }
        return false;
      }
      return true;
    });
  };

  /** Reads the known hosts' leases; one gone (confirmed by the leader) has its sessions swept. */
  const poll = async () => {
    for (const host of await missingLeases()) {
      if (stopped) return;
      const known = knownHosts.get(host);
      if (known === undefined) continue;
      const confirmed = await readLease(link, host, options.timeoutMs);
      if (confirmed.value?.incarnation === known.incarnation) continue;
      if (confirmed.value) remember(confirmed.value);
      else knownHosts.delete(host);
      // The sweep words the reason from this lease: a delete marker (the
      // host released it, closing) or nothing (it expired).
      await sweep(host, undefined, confirmed);
    }
    if (performance.now() - lastFullSweep >= fullSweepMs) await sweep();
  };

  const remember = (lease: LeaseValue) => {
    knownHosts.set(lease.hostId, {
      incarnation: lease.incarnation,
      sessionTypes: Array.isArray(lease.sessionTypes) ? lease.sessionTypes : [],
      reconciled: lease.reconciled === true,
      dueAt: performance.now() + timing.ttlMs,
      recheckMs: FIRST_RECHECK_MS,
    });
  };

  /** The next poll: `sweepMs` from now, or when a known lease is due, if sooner. */
  const schedule = () => {
    if (stopped) return;
    const now = performance.now();
    let delay = timing.sweepMs;
    for (const { dueAt } of knownHosts.values()) {
      if (dueAt > now) delay = Math.min(delay, dueAt - now);
    }
    pollTimer = setTimeout(() => {
      track(poll()).catch(options.onError).finally(schedule);
    }, delay);
  };

  /** Follows the hosts bucket (each lease's last value, then every change), re-created after an election. */
  const watchHosts = () => {
    const { names } = link;
    const keyPrefix = names.kvSubject(names.hostsBucket, '');
    const follower = followStream(
      link,
      names.kvStream(names.hostsBucket),
      { lastPerSubject: `${keyPrefix}>` },
      {
        onMessage(message) {
          const operation = message.headers?.get('KV-Operation');
          let lease: LeaseValue | undefined;
          try {
            lease =
              operation === undefined || operation === ''
                ? (message.json() as LeaseValue)
                : undefined;
          } catch {
            return;
          }
          if (lease) {
            if (lease.hostId === self) return;
            const before = knownHosts.get(lease.hostId);
            remember(lease);
            // A host back from a restart has settled its previous run's
            // sessions; what it left (a durable type it lacks) is free now.
            const settledNow =
              lease.reconciled &&
              before !== undefined &&
              (before.incarnation !== lease.incarnation || !before.reconciled);
            if (settledNow) track(sweep(lease.hostId)).catch(options.onError);
            return;
          }
          // A lease deleted on purpose: sweep that host now, not at the next poll.
          const key = message.subject.slice(keyPrefix.length);
          const host = [...knownHosts.keys()].find((id) => hostKey(id) === key);
          if (host !== undefined) {
            knownHosts.delete(host);
            track(sweep(host, 'left the cluster')).catch(options.onError);
          }
        },
        onError: options.onError,
      },
    );
    watchStop = () => follower.stop();
  };

  watchHosts();
  schedule();

  return {
    sweep,
    async stop() {
      stopped = true;
      clearTimeout(pollTimer);
      await watchStop?.();
      await Promise.allSettled([...running]);
    },
  };
}
