/**
 * The persistence seam: everything the session manager asks of storage,
 * and nothing else. The manager never touches a journal file or a NATS
 * bucket itself; it holds one `SessionStore` and goes through it for every
 * claim, every record, every read of history and every remote request.
 *
 * Two implementations exist:
 * - `journalStore(journal)` (single host): a file or memory journal. Claims
 *   are checked against the journal's history, appends are the journal's
 *   appends, there are no other hosts, so `watch` only reports fencing that
 *   never happens and `locate`/`request` find nothing remote.
 * - `natsCluster(options)` (entry `xstate-otp/nats`): ownership in a KV
 *   bucket, the journal in a JetStream stream with one subject per session,
 *   host leases, request/reply to the owner host.
 *
 * ```ts
 * const opened = await storeFactory.open({ hostId: 'worker-1', now: () => Date.now() });
 * const { store, known, leftovers } = opened;
 * await store.claim('fix-bug-42', { createdAt: Date.now() }); // duplicate_id if ever used
 * await store.append({ type: 'created', sessionId: 'fix-bug-42', at: Date.now() });
 * ```
 *
 * The rules every implementation keeps:
 * - **Claims are exclusive and final.** `claim(id)` resolves for exactly one
 *   caller, ever, per store (per cluster for NATS): an id that is live or
 *   was used before rejects with `SessionError('duplicate_id')`.
 * - **Appends are fenced.** `append` is accepted only for a session this
 *   host claimed and still owns. A store that has lost ownership (another
 *   host took the session over) rejects with `ClusterError('fenced')` and
 *   writes nothing; a storage failure rejects with `JournalError('io')`.
 *   Appends resolve once durable, and land in call order per session.
 * - **Releasing** tells the store that the session's terminal record is
 *   written; the id stays used.
 * - **Fencing is reported.** When the store learns that this host no longer
 *   owns some sessions (a lapsed lease, a refused append), `watch` reports
 *   it, and the manager kills those sessions' processes and stops their
 *   actors without writing anything more.
 * - **Adoption is reported.** A durable session that a dead host left, and
 *   that this host won (cluster mode), arrives through `watch` as `adopted`:
 *   the manager resumes it. Events emitted before the first `watch` are
 *   kept for it, so none is lost between `open` and the manager's start.
 */
import type { JournalRecord, SessionSummary } from '../journal/index.js';

/** What the manager tells a store about itself when it opens it. */
export interface StoreContext {
  /** This host: stable across restarts of the same host. */
  hostId: string;
  /** The actor system's clock (epoch ms); a `SimulatedClock` drives it in tests. */
  now(): number;
  /**
   * The durable session types this manager can resume (`sessionTypes`). In
   * cluster mode the host advertises them, so that a survivor without a
   * dead host's session type leaves it to one that has it.
   */
  sessionTypes?: readonly string[];
}

/** What a claim tells the store about the session it starts. */
export interface SessionClaim {
  createdAt: number;
  /** A durable session's type: who may resume it, should its host die. */
  type?: string;
}

/** Opens a store for one manager. `createSessionManager` calls it once. */
export interface SessionStoreFactory {
  /**
   * Takes the journal lock (file journal) or joins the cluster (NATS).
   * Rejects with `JournalError` ('locked', 'corrupt', 'io') or
   * `ClusterError` ('unavailable', 'unsupported_server').
   */
  open(context: StoreContext): Promise<OpenedStore>;
}

export interface OpenedStore {
  store: SessionStore;
  /** Every session the store knows of, in created order, ended ones included. */
  known: SessionSummary[];
  /**
   * Sessions this host (this journal, or this `hostId`'s previous
   * incarnation) left without a terminal record. The store has already
   * re-claimed them for this host: the manager kills what they left
   * running and appends `interrupted` for each, once.
   */
  leftovers: SessionSummary[];
}

/** A request to the host that owns a session (cluster mode). */
export type HostRequest =
  | { type: 'send'; sessionId: string; childId: string; event: { type: string } }
  | { type: 'terminate'; sessionId: string; reason?: string };

/** Changes the store learns of from outside this manager. */
export type StoreEvent =
  /** A session of another host was created, changed or ended (cluster mode). */
  | { type: 'session'; summary: SessionSummary }
  /** This host lost these sessions (`undefined`: all of them); stop them, write nothing. */
  | { type: 'fenced'; sessionIds: string[] | undefined; reason: string }
  /**
   * A durable session whose host is gone is this host's now (cluster mode:
   * a takeover with a higher epoch, fenced against the old owner): resume it.
   */
  | { type: 'adopted'; summary: SessionSummary };

export interface SessionStore {
  /** The host this store belongs to. */
  readonly hostId: string;
  /**
   * What every process this manager starts is marked with, so that
   * reconciliation and sweeps find this manager's processes and never
   * another's: a digest of the journal's real path, or of the cluster's
   * prefix and this host.
   */
  readonly scope: string;
  /**
   * Cluster mode: subscribes to this host's lease deadline, in ms on the
   * machine's monotonic clock (`ground/monotonic.ts`): the latest at once,
   * then one at each renewal that lands. Past it, this host has lost its
   * sessions (a survivor may resume them; running, the host fences them
   * itself), so a host still stopped (SIGSTOP) then has its processes killed
   * by its watchdog. Returns the unsubscribe function. Absent (single host:
   * nothing takes a session over): a stopped host's processes live on with it.
   */
  onLeaseDeadline?(listener: (deadlineMs: number) => void): () => void;
  /**
   * True when this manager is the store's only writer (a locked journal):
   * the manager's own index decides claims synchronously, and `claim` only
   * records the decision. False in cluster mode: a session waits for its
   * claim in `starting`, before any child starts.
   */
  readonly singleWriter: boolean;
  /** Claims a fresh session id for this host; see the rules above. */
  claim(sessionId: string, claim: SessionClaim): Promise<void>;
  /** Appends a record of a session this host owns; see the rules above. */
  append(record: JournalRecord): Promise<void>;
  /** The session's terminal record is written: its ownership can go (the id stays used). */
  release(sessionId: string): Promise<void>;
  /** One session read back from storage, live or ended, or `undefined` if never used. */
  read(sessionId: string): Promise<SessionSummary | undefined>;
  /** Every record of one session, oldest first (empty when it was never used). */
  records(sessionId: string): Promise<JournalRecord[]>;
  /** Ended sessions, newest end first; `before` is an `endedAt` (exclusive). */
  history(query: { limit: number; before?: number }): Promise<SessionSummary[]>;
  /** Who owns a live session of another host; `undefined` when nobody does. */
  locate(sessionId: string): Promise<{ hostId: string } | undefined>;
  /** Delivers a request to the owner host; rejects `SessionError('not_found')` when there is none. */
  request(hostId: string, message: HostRequest): Promise<unknown>;
  /** Answers requests from other hosts. Returns the unsubscribe function. */
  serve(handler: (message: HostRequest) => Promise<unknown>): () => void;
  /** Changes from outside; returns the unsubscribe function. */
  watch(listener: (event: StoreEvent) => void): () => void;
  /** Waits for pending appends, releases the lock or the lease. Idempotent. */
  close(): Promise<void>;
}
