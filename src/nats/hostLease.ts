/**
 * A host's lease: one key per host in the hosts bucket, whose TTL (the
 * bucket's `max_age`) is the lease. Holding it says "this host, in this
 * incarnation, is alive"; losing it means another host may take over every
 * session it owns.
 *
 * ```ts
 * const lease = hostLease(link, 'worker-1', timing, 10_000, { onLost: (reason) => fenceEverything(reason) });
 * const joined = await lease.join({ takeOver: true }); // { incarnation, previous }: a new incarnation each join
 * lease.held();            // false once the local deadline has passed
 * const unsubscribe = lease.onDeadline((ms) => console.log(ms)); // that deadline (monotonic), at each renewal
 * await lease.markReconciled();
 * await lease.release();   // KV delete: other hosts' watches see it at once
 * ```
 *
 * Renewals are compare-and-set updates on the lease's revision (never a
 * plain put), `renewMs` apart. One that gets no answer is retried with the
 * same message id (the server stores one copy) until it lands or the lease
 * is lost anyway. A renewal refused because the revision moved means the
 * lease expired or another process took this `hostId`: the lease is lost,
 * unless reading it back from the stream leader shows an earlier renewal
 * of this incarnation that landed late; then it adopts that one.
 *
 * The local deadline: the lease is also lost, without asking anyone, once
 * `leaseMs` has passed on this host's monotonic clock since it *sent* its
 * last renewal that succeeded. The server stamped that renewal later than
 * it was sent and keeps it `ttlMs` > `leaseMs`, so this host stops before
 * any other may take over (clock rates aside; see options.ts).
 *
 * `onDeadline` tells that deadline to whoever must act on it outside this
 * process: the host watchdog, which kills the host's processes if the host is
 * stopped (SIGSTOP) past it, before any survivor may resume its sessions. It
 * is in ms on the machine's monotonic clock (`ground/monotonic.ts`), which
 * another process can compare with its own; `performance.now()`, which the
 * timers here use, has an origin per process.
 *
 * `reconciled` in the lease value tells other hosts that this incarnation
 * has settled what its previous incarnation owned; until then, those
 * sessions are left to it. `sessionTypes` tells them which durable sessions
 * it can resume.
 */
import { nanoid } from 'nanoid';
import { monotonicFromPerformanceMs } from '../ground/monotonic.js';
import { publishClusterLease } from '../telemetry/index.js';
import type { ClusterLink } from './connection.js';
import { hostKey } from './names.js';
import { isWrongLastSequence, publishExpecting, withRetries } from './natsCalls.js';
import type { LeaseTiming } from './options.js';

export interface LeaseValue {
  hostId: string;
  incarnation: string;
  /** Counts this incarnation's renewals; tells which of several in-doubt ones landed. */
  renewal: number;
  reconciled: boolean;
  leaseMs: number;
  /**
   * The durable session types this host resumes (absent from hosts that
   * have none): a survivor without a dead host's session type leaves the
   * session to a host listed with it.
   */
  sessionTypes?: string[];
}

export interface LeaseRecord {
  /** The last sequence on the key (a delete marker's too); 0 when it never existed or expired. */
  seq: number;
  /** The live lease, or `undefined` when there is none. */
  value: LeaseValue | undefined;
}

export interface HostLease {
  /**
   * Starts a new incarnation. `takeOver`: replace a lease held by another
   * incarnation of this host (at start: it is this host's previous run).
   * Without it, a lease of an incarnation this object never held is left
   * alone and `join` resolves `undefined` (another process has this hostId).
   */
  join(options: {
    takeOver: boolean;
  }): Promise<{ incarnation: string; previous: LeaseRecord } | undefined>;
  /** This incarnation (the last joined). */
  incarnation(): string;
  /** Joined, and renewed within `leaseMs` on this host's clock. */
  held(): boolean;
  markReconciled(): Promise<void>;
  release(): Promise<void>;
  /**
   * Calls `listener` with the local deadline (monotonic ms: the last
   * successful renewal's send time + `leaseMs`) at once if there is one, and
   * again each time a renewal moves it. Returns the unsubscribe function.
   */
  onDeadline(listener: (deadlineMs: number) => void): () => void;
}

export interface LeaseEvents {
  /** The lease is gone (refused renewal or local deadline); called once per incarnation. */
  onLost(reason: string): void;
}

const decoder = new TextDecoder();

/** Reads a host's lease from the hosts bucket's stream leader. */
export async function readLease(
  link: ClusterLink,
  hostId: string,
  timeoutMs: number,
): Promise<LeaseRecord> {
  const { names } = link;
  return withRetries(`lease of ${hostId}`, timeoutMs, async (timeout) => {
    const { jsm } = await link.api(timeout);
    const message = await jsm.streams.getMessage(names.kvStream(names.hostsBucket), {
      last_by_subj: names.kvSubject(names.hostsBucket, hostKey(hostId)),
    });
    if (!message) return { seq: 0, value: undefined };
    const operation = message.header?.get('KV-Operation');
    if (operation === 'DEL' || operation === 'PURGE') return { seq: message.seq, value: undefined };
    try {
      return { seq: message.seq, value: JSON.parse(decoder.decode(message.data)) as LeaseValue };
    } catch {
      return { seq: message.seq, value: undefined };
    }
  });
}

export function hostLease(
  link: ClusterLink,
  hostId: string,
  timing: LeaseTiming,
  timeoutMs: number,
  events: LeaseEvents,
  sessionTypes: readonly string[] = [],
): HostLease {
  const subject = link.names.kvSubject(link.names.hostsBucket, hostKey(hostId));
  const ownIncarnations = new Set<string>();
  let state: 'idle' | 'held' | 'lost' | 'closed' = 'idle';
  let incarnation = '';
  let revision = 0;
  let renewal = 0;
  let reconciled = false;
  let lastRenewSentAt = 0;
  /** The local deadline on the monotonic clock, once a write landed, and who wants it. */
  let deadline: number | undefined;
  const deadlineListeners = new Set<(deadlineMs: number) => void>();
  /** Send times of recent renewals by number, to date one found landed late. */
  const sentAt = new Map<number, number>();
  let renewTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;
  let attempts = 0;

  const value = (): LeaseValue => ({
    hostId,
    incarnation,
    renewal,
    reconciled,
    leaseMs: timing.leaseMs,
    ...(sessionTypes.length === 0 ? {} : { sessionTypes: [...sessionTypes] }),
  });

  const stopTimers = () => {
    clearTimeout(renewTimer);
    clearTimeout(deadlineTimer);
    renewTimer = deadlineTimer = undefined;
  };

  const lose = (reason: string) => {
    if (state !== 'held') return;
    state = 'lost';
    stopTimers();
    publishClusterLease(hostId, 'lost', incarnation, timing.leaseMs, reason);
    events.onLost(reason);
  };

  /** A write of the lease sent at `sent` (performance.now()) landed. */
  const renewedAt = (sent: number) => {
    lastRenewSentAt = sent;
    // Rounded down: a deadline told early errs on the safe side.
    deadline = Math.floor(monotonicFromPerformanceMs(sent + timing.leaseMs));
    for (const listener of deadlineListeners) listener(deadline);
  };

  const confirmed = (sent: number) => {
    if (sent <= lastRenewSentAt) return;
    renewedAt(sent);
    clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(checkDeadline, timing.leaseMs);
  };

  function checkDeadline() {
    const silentFor = performance.now() - lastRenewSentAt;
    if (silentFor >= timing.leaseMs) {
      lose(
        `host ${hostId} did not renew its lease for ${Math.round(silentFor)} ms (leaseMs ${timing.leaseMs})`,
      );
    } else {
      deadlineTimer = setTimeout(checkDeadline, timing.leaseMs - silentFor);
    }
  }

  /**
   * One renewal, retried (same message id: at most one copy lands) until it
   * lands or the lease is lost anyway. Giving up after one tick and waiting
   * for the next would leave up to `renewMs` unused after the cluster comes
   * back (a stream leader elected after a node loss takes ~5 s of the lease).
   */
  const renew = async () => {
    const mine = incarnation;
    const live = () => state === 'held' && incarnation === mine;
    if (!live()) return;
    const left = timing.leaseMs - (performance.now() - lastRenewSentAt);
    if (left <= 0) return checkDeadline();
    renewal += 1;
    const number = renewal;
    const sent = performance.now();
    sentAt.set(number, sent);
    sentAt.delete(number - 16);
    const payload = JSON.stringify(value());
    let attemptSent = sent;
    try {
      const ack = await withRetries(
        `renew the lease of ${hostId}`,
        left,
        (timeout) => {
          // Released or lost meanwhile: stop retrying (not a transient error).
          if (!live()) return Promise.reject(new Error('lease no longer held'));
          attemptSent = performance.now();
          return link.js.publish(subject, payload, {
            msgID: `${mine}:lease:${number}`,
            expect: { lastSubjectSequence: revision },
            timeout,
          });
        },
        timing.renewMs,
      );
      if (!live()) return;
      revision = Math.max(revision, ack.seq);
      // Stored by the attempt answered (the server stamped it after that
      // attempt was sent), or, for a duplicate, by an earlier one: sent at
      // `sent` or later.
      confirmed(ack.duplicate ? sent : attemptSent);
    } catch (error) {
      if (!live() || !isWrongLastSequence(error)) return; // in doubt: the next renewal tells
      const current = await readLease(link, hostId, timing.renewMs).catch(() => undefined);
      if (!live() || current === undefined) return;
      if (current.value?.incarnation !== mine) {
        lose(
          current.value
            ? `the lease of host ${hostId} was taken by another process (incarnation ${current.value.incarnation})`
            : `the lease of host ${hostId} expired`,
        );
        return;
      }
      // An earlier renewal landed after all (its retry came after the
      // de-duplication window, the lease's TTL): adopt it.
      revision = current.seq;
      const landed = sentAt.get(current.value.renewal);
      if (landed !== undefined) confirmed(landed);
    }
  };

  /** Renewals run one at a time, each `renewMs` after the previous one ended. */
  let renewing: Promise<void> | undefined;
  const renewNow = (): Promise<void> => {
    clearTimeout(renewTimer);
    renewTimer = undefined;
    const run = (renewing ?? Promise.resolve()).then(renew).finally(() => {
      if (renewing === run) renewing = undefined;
      scheduleRenewal();
    });
    renewing = run;
    return run;
  };
  const scheduleRenewal = () => {
    if (state !== 'held' || renewTimer !== undefined || renewing !== undefined) return;
    renewTimer = setTimeout(renewNow, timing.renewMs);
  };

  const write = async (expected: number): Promise<number | undefined> => {
    const sent = performance.now();
    try {
      const ack = await publishExpecting(link, subject, JSON.stringify(value()), {
        lastSubjectSequence: expected,
        stream: link.names.kvStream(link.names.hostsBucket),
        msgID: `${incarnation}:lease:${renewal}:${attempts++}`,
        budgetMs: timeoutMs,
      });
      renewedAt(sent);
      return ack.seq;
    } catch (error) {
      if (isWrongLastSequence(error)) return undefined;
      throw error;
    }
  };

  return {
    async join({ takeOver }) {
      const previousIncarnations = new Set(ownIncarnations);
      stopTimers();
      state = 'idle';
      for (let round = 0; round < 5; round++) {
        const previous = await readLease(link, hostId, timeoutMs);
        const holder = previous.value?.incarnation;
        if (holder !== undefined && !takeOver && !previousIncarnations.has(holder))
          return undefined;
        incarnation = nanoid(12);
        renewal = 0;
        reconciled = false;
        const seq = await write(previous.seq);
        if (seq === undefined) continue; // someone wrote in between: look again
        ownIncarnations.add(incarnation);
        revision = seq;
        state = 'held';
        clearTimeout(deadlineTimer);
        deadlineTimer = setTimeout(checkDeadline, timing.leaseMs);
        scheduleRenewal();
        publishClusterLease(hostId, 'acquired', incarnation, timing.leaseMs);
        return { incarnation, previous };
      }
      throw new Error(`host ${hostId}: the lease kept changing while joining`);
    },
    incarnation: () => incarnation,
    held: () => state === 'held' && performance.now() - lastRenewSentAt < timing.leaseMs,
    async markReconciled() {
      reconciled = true;
      await renewNow();
    },
    async release() {
      const was = state;
      state = 'closed';
      stopTimers();
      // A renewal in flight stops retrying; once it settles, `revision` is the last one.
      await renewing?.catch(() => {});
      if (was !== 'held') return;
      await link.hosts.delete(hostKey(hostId), { previousSeq: revision }).catch(() => {
        // Already expired or taken: nothing of ours to release.
      });
      publishClusterLease(hostId, 'released', incarnation, timing.leaseMs);
    },
    onDeadline(listener) {
      const own = (deadlineMs: number) => listener(deadlineMs);
      deadlineListeners.add(own);
      if (deadline !== undefined) listener(deadline);
      return () => {
        deadlineListeners.delete(own);
      };
    },
  };
}
