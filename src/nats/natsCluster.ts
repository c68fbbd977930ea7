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
 * This file assembles the parts and is the thin store object the manager
 * holds: connecting (connection.ts), claims and ownership (claims.ts,
 * ownedSessions.ts), the open / rejoin / close lifecycle
 * (storeLifecycle.ts), reads (journalStream.ts, history.ts).
 *
 * Every method rejects with our own errors only: `SessionError`,
 * `JournalError` for a record that is not one, and `ClusterError` (`timeout`,
 * `unavailable`, `fenced`, `unsupported_server`) for everything NATS does;
 * an error of the client library is never passed on as it is. Each NATS
 * call rides out a leader election within `timeoutMs` (natsCalls.ts).
 */
import { createHash } from 'node:crypto';
import { SessionError } from '../ground/errors.js';
import { checkSessionId } from '../ground/sessionId.js';
import { shown } from '../ground/shown.js';
import type {
  OpenedStore,
  SessionStore,
  SessionStoreFactory,
  StoreContext,
  StoreEvent,
} from '../manager/store.js';
import { sessionClaims } from './claims.js';
import { type ClusterLink, connectCluster } from './connection.js';
import { readHistory } from './history.js';
import { hostLease } from './hostLease.js';
import { requestHost } from './hostRequests.js';
import { journalStream } from './journalStream.js';
import { asClusterError } from './natsCalls.js';
import {
  type NatsClusterOptions,
  type ResolvedClusterOptions,
  resolveClusterOptions,
} from './options.js';
import { ownedSessions } from './ownedSessions.js';
import { ownersBucket } from './owners.js';
import { type LifecycleParts, StoreLifecycle } from './storeLifecycle.js';
import { startSweeper } from './sweeper.js';
import { summarise, type TakeoverContext } from './takeover.js';

export interface NatsClusterStoreFactory extends SessionStoreFactory {
  /** The checked options, timings included. */
  readonly options: Readonly<ResolvedClusterOptions>;
}

/** Checks the options now (`SessionError('invalid_option')`); connects when the manager opens it. */
export function natsCluster(options: NatsClusterOptions): NatsClusterStoreFactory {
  const resolved = resolveClusterOptions(options);
  return { options: resolved, open: (context) => openClusterStore(resolved, context) };
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
  const { parts, life } = assemble(link, options, context);
  try {
    const { known, leftovers } = await life.open();
    return { store: clusterStore(parts, life), known, leftovers };
  } catch (error) {
    await life.close().catch(() => {});
    throw asClusterError(error, `open the cluster store of host ${hostId}`);
  }
}

/**
 * Listeners of `watch`; one that throws does not stop the others. Events
 * emitted before the first listener (the first sweep runs while the manager
 * is still reconciling) wait for it.
 */
function storeEvents() {
  const listeners = new Set<(event: StoreEvent) => void>();
  let early: StoreEvent[] | undefined = [];
  const emit = (event: StoreEvent) => {
    if (early) {
      early.push(event);
      return;
    }
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the store goes on.
      }
    }
  };
  return {
    emit,
    watch(listener: (event: StoreEvent) => void) {
      listeners.add(listener);
      const waiting = early ?? [];
      early = undefined;
      for (const event of waiting) emit(event);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

type StoreParts = LifecycleParts & { events: ReturnType<typeof storeEvents> };

/** The parts of one store, wired to each other; the sweeper's timers are the only thing started. */
function assemble(
  link: ClusterLink,
  options: ResolvedClusterOptions,
  { hostId, now, sessionTypes = [] }: StoreContext,
): { parts: StoreParts; life: StoreLifecycle } {
  const { timeoutMs } = options;
  const events = storeEvents();
  // Sweeps, the feed and releases retry on their own; nothing to tell the manager.
  const onError = (_error: unknown) => {};
  const lifecycle: { current?: StoreLifecycle } = {};
  const lease = hostLease(
    link,
    hostId,
    options.lease,
    timeoutMs,
    { onLost: (reason) => lifecycle.current?.onLeaseLost(reason) },
    sessionTypes,
  );
  let messageCount = 0;
  const newMsgId = () => `${lease.incarnation()}:${messageCount++}`;
  const journal = journalStream(link, timeoutMs);
  const owners = ownersBucket(link, newMsgId, timeoutMs);
  const incarnation = () => lease.incarnation();
  const takeover: TakeoverContext = { hostId, incarnation, newMsgId, now, journal, owners };
  const owned = ownedSessions({
    journal,
    newMsgId,
    isHeld: () => lease.held(),
    onFenced: (sessionId, reason) =>
      events.emit({ type: 'fenced', sessionIds: [sessionId], reason }),
  });
  const claims = sessionClaims({ ...takeover, owned, onError });
  const types = new Set(sessionTypes);
  const sweeper = startSweeper({
    ...takeover,
    link,
    timing: options.lease,
    timeoutMs,
    holds: (sessionId) => claims.holds(sessionId),
    isHeld: () => lifecycle.current?.holdsLease() ?? false,
    sessionTypes: types,
    adopt: (entry) => claims.adopt(entry),
    onAdopted: (summary) => events.emit({ type: 'adopted', summary }),
    onEnded: (summary) => events.emit({ type: 'session', summary }),
    onError,
  });
  const parts: StoreParts = {
    link,
    options,
    hostId,
    lease,
    journal,
    owners,
    owned,
    claims,
    sweeper,
    takeover,
    sessionTypes: types,
    events,
    emit: events.emit,
    onError,
  };
  lifecycle.current = new StoreLifecycle(parts);
  return { parts, life: lifecycle.current };
}

/** Runs `call`, turning whatever it throws or rejects with into our own errors. */
function surfaced<T>(what: string, call: () => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(call()).catch((error: unknown) => {
      throw asClusterError(error, what);
    });
  } catch (error) {
    return Promise.reject(asClusterError(error, what));
  }
}

/** The store object: checks its arguments, delegates, and lets only our errors out. */
function clusterStore(parts: StoreParts, life: StoreLifecycle): SessionStore {
  const { hostId, options, journal, owners, owned, claims, link, events } = parts;
  const { timeoutMs } = options;
  return {
    hostId,
    scope: clusterScope(options.prefix, hostId),
    singleWriter: false,
    onLeaseDeadline: (listener) => parts.lease.onDeadline(listener),
    claim: (sessionId, claim) =>
      surfaced(`claim session ${shown(sessionId)}`, () => {
        checkSessionId(sessionId);
        life.requireWritable(sessionId);
        return claims.claim(sessionId, claim);
      }),
    append: (record) =>
      surfaced(`append to session ${shown(record?.sessionId)}`, () => {
        if (life.closed) {
          throw new SessionError('stopped', 'The cluster store is closed.', {
            sessionId: record?.sessionId,
          });
        }
        return owned.append(record);
      }),
    release: (sessionId) =>
      surfaced(`release ${shown(sessionId)}`, () => claims.release(sessionId)),
    read: (sessionId) =>
      surfaced(`read session ${shown(sessionId)}`, async () => {
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
      }),
    records: (sessionId) =>
      surfaced(`read session ${shown(sessionId)}`, async () => {
        checkSessionId(sessionId);
        return (await journal.readSession(sessionId)).map((entry) => entry.record);
      }),
    history: (query) => surfaced('read history', () => readHistory(journal, query)),
    locate: (sessionId) =>
      surfaced(`locate session ${shown(sessionId)}`, async () => {
        checkSessionId(sessionId);
        const entry = await owners.get(sessionId);
        return entry && { hostId: entry.value.host };
      }),
    request: (targetHost, message) =>
      surfaced(`request to host ${shown(targetHost)}`, () =>
        requestHost(link, targetHost, message, timeoutMs, hostId),
      ),
    serve: (handler) => life.requests().serve(handler),
    watch: (listener) => events.watch(listener),
    close: () => surfaced(`close the cluster store of host ${hostId}`, () => life.close()),
  };
}
