/**
 * A cluster store's life: open, rejoin after a lost lease, close.
 *
 * ```ts
 * const life = new StoreLifecycle(parts);
 * const { known, leftovers } = await life.open();  // lease, leftovers, snapshot, feed, requests
 * life.requireWritable('a-1');                      // throws ClusterError('fenced') while rejoining
 * life.onLeaseLost('host w1 did not renew ...');    // fences everything, then rejoins
 * await life.close();                               // idempotent
 * ```
 *
 * Opening, in order: take this host's lease under a new incarnation;
 * reclaim the sessions the previous incarnation of this `hostId` left,
 * which become `leftovers` for the manager to end (takeover.ts); read the
 * snapshot behind `known` (snapshot.ts); start the change feed
 * (changeFeed.ts) and serve requests; then a first sweep ends the sessions
 * of hosts that died while nobody watched (sweeper.ts).
 *
 * Losing the lease (a refused renewal, or `leaseMs` without one on this
 * host's clock) fences every session (`watch` reports `{ type: 'fenced',
 * sessionIds: undefined }`), then the store rejoins under a new incarnation
 * and ends what the lost one owned, unless a survivor already did. If
 * another process has taken this `hostId` meanwhile, the store stays
 * fenced (`superseded`): claims reject `ClusterError('fenced')`.
 */
import { ClusterError, SessionError } from '../ground/errors.js';
import type { SessionSummary } from '../journal/index.js';
import type { StoreEvent } from '../manager/store.js';
import { startChangeFeed } from './changeFeed.js';
import type { SessionClaims } from './claims.js';
import type { ClusterLink } from './connection.js';
import type { HostLease } from './hostLease.js';
import { type RequestServer, requestServer } from './hostRequests.js';
import type { JournalStream } from './journalStream.js';
import { retryPause } from './natsCalls.js';
import type { ResolvedClusterOptions } from './options.js';
import type { OwnedSessions } from './ownedSessions.js';
import type { OwnerEntry, OwnersBucket } from './owners.js';
import { readSnapshot } from './snapshot.js';
import type { Sweeper } from './sweeper.js';
import type { TakeoverContext } from './takeover.js';

export interface LifecycleParts {
  link: ClusterLink;
  options: ResolvedClusterOptions;
  hostId: string;
  lease: HostLease;
  journal: JournalStream;
  owners: OwnersBucket;
  owned: OwnedSessions;
  claims: SessionClaims;
  sweeper: Sweeper;
  takeover: TakeoverContext;
  /** The durable session types this host can resume. */
  sessionTypes: ReadonlySet<string>;
  emit(event: StoreEvent): void;
  /** Background failures (sweeps, the feed, releases): each retries on its own. */
  onError(error: unknown): void;
}

type LifeState = 'opening' | 'open' | 'superseded' | 'closed';

export class StoreLifecycle {
  #state: LifeState = 'opening';
  /** Every incarnation this store has joined as: the feed skips what they wrote. */
  readonly #incarnations = new Set<string>();
  #requests: RequestServer | undefined;
  #stopFeed: (() => Promise<void>) | undefined;
  #rejoining: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private readonly parts: LifecycleParts;

  constructor(parts: LifecycleParts) {
    this.parts = parts;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Open, and this host holds its lease: the sweeper may take sessions over. */
  holdsLease(): boolean {
    return this.#state === 'open' && this.parts.lease.held();
  }

  /** Throws unless this store may write: `stopped` when closed, `fenced` without a lease. */
  requireWritable(sessionId?: string): void {
    if (this.#state === 'closed' || this.#state === 'opening') {
      throw new SessionError('stopped', 'The cluster store is closed.', { sessionId });
    }
    if (this.#state === 'superseded' || !this.parts.lease.held()) {
      const { hostId } = this.parts;
      throw new ClusterError(
        'fenced',
        this.#state === 'superseded'
          ? `Another process holds host ${hostId}'s lease; this one writes nothing.`
          : `Host ${hostId} is rejoining the cluster after losing its lease.`,
        { sessionId },
      );
    }
  }

  requests(): RequestServer {
    if (this.#requests === undefined || this.#state === 'closed') {
      throw new SessionError('stopped', 'The cluster store is closed.');
    }
    return this.#requests;
  }

  async open(): Promise<{ known: SessionSummary[]; leftovers: SessionSummary[] }> {
    const { link, lease, journal, owners, options, hostId } = this.parts;
    const joined = await lease.join({ takeOver: true });
    if (joined === undefined) throw new Error('unreachable: join with takeOver');
    this.#incarnations.add(joined.incarnation);
    // One scan serves both: the leftovers are this host's entries, which
    // stay this host's when reclaimed; entries other hosts add meanwhile
    // reach the snapshot through their `owner` records.
    const entries = await owners.scan();
    const leftovers = await this.#reclaimLeftovers(entries, joined.incarnation);
    await lease.markReconciled();
    const snapshot = await readSnapshot(journal, entries);
    const feed = startChangeFeed({
      link,
      journal,
      fromSeq: snapshot.lastSeq + 1,
      live: snapshot.live,
      isOwnWriter: (incarnation) => this.#incarnations.has(incarnation),
      onSession: (summary) => this.parts.emit({ type: 'session', summary }),
      onError: this.parts.onError,
    });
    this.#stopFeed = () => feed.stop();
    this.#requests = requestServer(link, hostId, options.timeoutMs);
    await link.nc.flush();
    this.#state = 'open';
    // Hosts that died while nobody was watching: their sessions end now.
    this.parts.sweeper.sweep().catch(this.parts.onError);
    return { known: snapshot.known, leftovers };
  }

  /**
   * Sessions of this host's previous incarnations: taken for this one, for
   * the manager to end or resume. A durable one of a type this host lacks
   * stays where it is: the sweep gives it to a host that has the type.
   */
  async #reclaimLeftovers(
    entries: readonly OwnerEntry[],
    incarnation: string,
  ): Promise<SessionSummary[]> {
    const { claims, hostId, sessionTypes } = this.parts;
    const previous = entries.filter(
      (entry) =>
        entry.value.host === hostId &&
        entry.value.incarnation !== incarnation &&
        (entry.value.type === undefined || sessionTypes.has(entry.value.type)),
    );
    const leftovers: SessionSummary[] = [];
    for (const entry of previous) {
      const summary = await claims.adopt(entry);
      if (summary) leftovers.push(summary);
    }
    return leftovers;
  }

  onLeaseLost(reason: string): void {
    this.parts.owned.fenceAll();
    this.parts.emit({ type: 'fenced', sessionIds: undefined, reason });
    if (this.#state !== 'open') return;
    this.#rejoining ??= this.#rejoin().finally(() => {
      this.#rejoining = undefined;
    });
  }

  /** A new incarnation; then what the lost one owned is ended (unless a survivor did). */
  async #rejoin(): Promise<void> {
    const { lease, sweeper, hostId } = this.parts;
    for (let round = 0; this.#state === 'open'; round++) {
      try {
        const joined = await lease.join({ takeOver: false });
        if (joined === undefined) {
          this.#state = 'superseded';
          return;
        }
        this.#incarnations.add(joined.incarnation);
        await sweeper.sweep(hostId);
        await lease.markReconciled();
        return;
      } catch (error) {
        this.parts.onError(error);
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(retryPause(round), this.parts.options.lease.renewMs)),
        );
      }
    }
  }

  /** Waits for appends and releases in flight, stops every reader, gives the lease back. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const { owned, claims, sweeper, lease, link } = this.parts;
    const wasOpen = this.#state !== 'closed';
    this.#state = 'closed';
    await owned.settled();
    await claims.settled();
    this.#requests?.stop();
    await sweeper.stop();
    await this.#stopFeed?.();
    await this.#rejoining;
    // Sessions still owned stay in the owners bucket: with the lease
    // gone, a survivor ends them (or this host's next run does).
    if (wasOpen) await lease.release();
    await link.nc.drain().catch(() => link.nc.close());
  }
}
