/**
 * `natsCluster(options)`: the session store of cluster mode. Ownership in
 * a KV bucket, the journal in a JetStream stream with one subject per
 * session, a lease per host, request/reply to the owner host.
 *
 * ```ts
 * import { createSessionManager } from 'xstate-otp';
 * import { natsCluster } from 'xstate-otp/nats';
 *
 * const manager = await createSessionManager({
 *   hostId: 'worker-1',
 *   cluster: natsCluster({ servers: 'nats://127.0.0.1:4222', leaseMs: 10_000 }),
 * });
 * ```
 *
 * Opening, in order: connect and check the server (connection.ts); take
 * this host's lease under a new incarnation (hostLease.ts); reclaim the
 * sessions the previous incarnation of this `hostId` left, which become
 * `leftovers` for the manager to end (takeover.ts); read the snapshot
 * behind `known` (snapshot.ts); start the change feed (changeFeed.ts) and
 * the sweeper (sweeper.ts), whose first pass ends the sessions of hosts
 * that died while nobody watched.
 *
 * Losing the lease (a refused renewal, or `leaseMs` without one on this
 * host's clock) fences every session (`watch` reports
 * `{ type: 'fenced', sessionIds: undefined }`), then the store rejoins
 * under a new incarnation and ends what the lost one owned, unless a
 * survivor already did. If another process has taken this `hostId`
 * meanwhile, the store stays fenced: claims reject `ClusterError('fenced')`.
 */
import { createHash } from 'node:crypto';
import { ClusterError, SessionError } from '../ground/errors.js';
import { shown } from '../ground/shown.js';
import type { SessionSummary } from '../journal/index.js';
import type {
  OpenedStore,
  SessionStore,
  SessionStoreFactory,
  StoreContext,
  StoreEvent,
} from '../manager/store.js';
import { startChangeFeed } from './changeFeed.js';
import { type ClusterLink, connectCluster } from './connection.js';
import { readHistory } from './history.js';
import { hostLease } from './hostLease.js';
import { type RequestServer, requestHost, requestServer } from './hostRequests.js';
import { journalStream } from './journalStream.js';
import { isWrongLastSequence } from './natsCalls.js';
import {
  isToken,
  type NatsClusterOptions,
  type ResolvedClusterOptions,
  resolveClusterOptions,
} from './options.js';
import { ownedSessions } from './ownedSessions.js';
import { ownersBucket } from './owners.js';
import { readSnapshot } from './snapshot.js';
import { startSweeper } from './sweeper.js';
import { ownerRecord, reclaimLeftover, summarise, type TakeoverContext } from './takeover.js';

export interface NatsClusterStoreFactory extends SessionStoreFactory {
  /** The checked options, timings included. */
  readonly options: Readonly<ResolvedClusterOptions>;
}

/** Checks the options now (`SessionError('invalid_option')`); connects when the manager opens it. */
export function natsCluster(options: NatsClusterOptions): NatsClusterStoreFactory {
  const resolved = resolveClusterOptions(options);
  return { options: resolved, open: (context) => openClusterStore(resolved, context) };
}

const MAX_SESSION_ID = 64;

function checkSessionId(sessionId: unknown): asserts sessionId is string {
  if (typeof sessionId !== 'string' || sessionId.length > MAX_SESSION_ID || !isToken(sessionId)) {
    throw new SessionError(
      'invalid_id',
      `Session ids must match /^[A-Za-z0-9_-]{1,64}$/; got ${shown(sessionId)}.`,
    );
  }
}

/** What every process of this host is marked with: the same for every run of this `hostId`. */
export function clusterScope(prefix: string, hostId: string): string {
  return createHash('sha256')
    .update(`xstate-otp/nats\0${prefix}\0${hostId}`)
    .digest('hex')
    .slice(0, 16);
}

async function openClusterStore(
  options: ResolvedClusterOptions,
  context: StoreContext,
): Promise<OpenedStore> {
  const { hostId } = context;
  if (typeof hostId !== 'string' || hostId === '' || hostId.length > 256) {
    throw new SessionError(
      'invalid_option',
      `hostId must be a non-empty string of at most 256 characters; got ${shown(hostId)}.`,
    );
  }
  const link = await connectCluster(options, hostId);
  const started = startStore(link, options, context);
  try {
    return await started.open();
  } catch (error) {
    await started.store.close().catch(() => {});
    throw error;
  }
}

function startStore(link: ClusterLink, options: ResolvedClusterOptions, context: StoreContext) {
  const { hostId, now } = context;
  const { timeoutMs } = options;
  const listeners = new Set<(event: StoreEvent) => void>();
  let requests: RequestServer | undefined;
  const incarnations = new Set<string>();
  const claiming = new Set<string>();
  const releasing = new Set<Promise<void>>();
  let state: 'opening' | 'open' | 'superseded' | 'closed' = 'opening';
  let messageCount = 0;
  let closing: Promise<void> | undefined;
  let stopFeed: (() => Promise<void>) | undefined;
  let rejoining: Promise<void> | undefined;

  const emit = (event: StoreEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the store goes on.
      }
    }
  };
  const reportError = (_error: unknown) => {
    // Sweeps and the feed retry on their own; nothing to tell the manager.
  };

  const journal = journalStream(link, timeoutMs);
  const lease = hostLease(link, hostId, options.lease, timeoutMs, {
    onLost: (reason) => onLeaseLost(reason),
  });
  const newMsgId = () => `${lease.incarnation()}:${messageCount++}`;
  const owners = ownersBucket(link, newMsgId, timeoutMs);
  const takeover: TakeoverContext = {
    hostId,
    incarnation: () => lease.incarnation(),
    newMsgId,
    now,
    journal,
    owners,
  };
  const owned = ownedSessions({
    journal,
    newMsgId,
    isHeld: () => lease.held(),
    onFenced: (sessionId, reason) => emit({ type: 'fenced', sessionIds: [sessionId], reason }),
  });
  const sweeper = startSweeper({
    ...takeover,
    link,
    timing: options.lease,
    timeoutMs,
    holds: (sessionId) => owned.holds(sessionId) || claiming.has(sessionId),
    isHeld: () => state === 'open' && lease.held(),
    onEnded: (summary) => emit({ type: 'session', summary }),
    onError: reportError,
  });

  function onLeaseLost(reason: string) {
    owned.fenceAll();
    emit({ type: 'fenced', sessionIds: undefined, reason });
    if (state === 'open') rejoining ??= rejoin().finally(() => (rejoining = undefined));
  }

  /** A new incarnation; then what the lost one owned is ended (unless a survivor did). */
  async function rejoin() {
    while (state === 'open') {
      try {
        const joined = await lease.join({ takeOver: false });
        if (joined === undefined) {
          state = 'superseded';
          return;
        }
        incarnations.add(joined.incarnation);
        await sweeper.sweep(hostId);
        await lease.markReconciled();
        return;
      } catch (error) {
        reportError(error);
        await new Promise((resolve) => setTimeout(resolve, options.lease.renewMs));
      }
    }
  }

  const requireOpen = (sessionId?: string) => {
    if (state === 'closed' || state === 'opening') {
      throw new SessionError('stopped', 'The cluster store is closed.', { sessionId });
    }
    if (state === 'superseded' || !lease.held()) {
      throw new ClusterError(
        'fenced',
        state === 'superseded'
          ? `Another process holds host ${hostId}'s lease; this one writes nothing.`
          : `Host ${hostId} is rejoining the cluster after losing its lease.`,
        { sessionId },
      );
    }
  };

  const duplicate = (sessionId: string) =>
    new SessionError('duplicate_id', `Session id ${sessionId} is in use or was used before.`, {
      sessionId,
    });

  /** Writes the claim's `owner` record: only on an empty subject, so a used id fails here. */
  const writeClaimRecord = async (sessionId: string, revision: number) => {
    const msgID = newMsgId();
    try {
      return (
        await journal.append(ownerRecord(takeover, sessionId, 1), { lastSubjectSequence: 0, msgID })
      ).seq;
    } catch (error) {
      if (isWrongLastSequence(error)) {
        await owners.release(sessionId, revision).catch(reportError);
        throw duplicate(sessionId);
      }
      // No answer: did it land? If not, give the key back; if unknown, keep
      // it: the sweeper ends what this host holds a key for but not a session.
      const last = await journal.last(sessionId).catch(() => null);
      if (last?.msgId === msgID) return last.seq;
      if (last === undefined) await owners.release(sessionId, revision).catch(reportError);
      throw error;
    }
  };

  const store: SessionStore = {
    hostId,
    scope: clusterScope(options.prefix, hostId),
    singleWriter: false,

    async claim(sessionId, claim) {
      checkSessionId(sessionId);
      requireOpen(sessionId);
      if (owned.holds(sessionId) || claiming.has(sessionId)) throw duplicate(sessionId);
      claiming.add(sessionId);
      try {
        const revision = await owners.claim(sessionId, {
          host: hostId,
          incarnation: lease.incarnation(),
          epoch: 1,
          createdAt: claim.createdAt,
        });
        if (revision === undefined) throw duplicate(sessionId);
        const lastSeq = await writeClaimRecord(sessionId, revision);
        owned.add(sessionId, { lastSeq, revision });
      } finally {
        claiming.delete(sessionId);
      }
    },

    append: async (record) => {
      if (state === 'closed') {
        throw new SessionError('stopped', 'The cluster store is closed.', {
          sessionId: record?.sessionId,
        });
      }
      return owned.append(record);
    },

    async release(sessionId) {
      const revision = owned.remove(sessionId);
      if (revision === undefined) return;
      // In the background: the terminal record is what counts. An owner key
      // left behind by a failure here is harmless (the id stays used, the
      // sweeper finds the session ended and removes the key).
      const removal = owners.release(sessionId, revision).catch(reportError);
      releasing.add(removal);
      removal.finally(() => releasing.delete(removal));
    },

    async read(sessionId) {
      checkSessionId(sessionId);
      const records = await journal.readSession(sessionId);
      const first = records[0]?.record;
      // Claimed, but nothing else written yet: used all the same.
      return (
        summarise(records) ??
        (first && {
          sessionId,
          createdAt: first.at,
          host: String((first as { host?: unknown }).host),
        })
      );
    },

    async records(sessionId) {
      checkSessionId(sessionId);
      return (await journal.readSession(sessionId)).map((entry) => entry.record);
    },

    history: (query) => readHistory(journal, query),

    async locate(sessionId) {
      checkSessionId(sessionId);
      const entry = await owners.get(sessionId);
      return entry && { hostId: entry.value.host };
    },

    request: (targetHost, message) => requestHost(link, targetHost, message, timeoutMs, hostId),

    serve(handler) {
      if (requests === undefined) throw new SessionError('stopped', 'The cluster store is closed.');
      return requests.serve(handler);
    },

    watch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    close() {
      closing ??= (async () => {
        const wasOpen = state !== 'closed';
        state = 'closed';
        await owned.settled();
        await Promise.allSettled([...releasing]);
        requests?.stop();
        await sweeper.stop();
        await stopFeed?.();
        await rejoining;
        // Sessions still owned stay in the owners bucket: with the lease
        // gone, a survivor ends them (or this host's next run does).
        if (wasOpen) await lease.release();
        await link.nc.drain().catch(() => link.nc.close());
      })();
      return closing;
    },
  };

  async function open(): Promise<OpenedStore> {
    const joined = await lease.join({ takeOver: true });
    if (joined === undefined) throw new Error('unreachable: join with takeOver');
    incarnations.add(joined.incarnation);
    const leftovers: SessionSummary[] = [];
    const previous = (await owners.scan()).filter(
      (entry) => entry.value.host === hostId && entry.value.incarnation !== joined.incarnation,
    );
    for (const entry of previous) {
      const reclaimed = await reclaimLeftover(takeover, entry);
      if (!reclaimed) continue;
      owned.add(entry.sessionId, { lastSeq: reclaimed.lastSeq, revision: reclaimed.revision });
      leftovers.push(reclaimed.summary);
    }
    await lease.markReconciled();
    const snapshot = await readSnapshot(journal, await owners.scan());
    const feed = await startChangeFeed({
      link,
      journal,
      fromSeq: snapshot.lastSeq + 1,
      live: snapshot.live,
      isOwnWriter: (incarnation) => incarnations.has(incarnation),
      onSession: (summary) => emit({ type: 'session', summary }),
      onError: reportError,
    });
    stopFeed = () => feed.stop();
    requests = requestServer(link, hostId, timeoutMs);
    await link.nc.flush();
    state = 'open';
    // Hosts that died while nobody was watching: their sessions end now.
    sweeper.sweep().catch(reportError);
    return { store, known: snapshot.known, leftovers };
  }

  return { store, open };
}
