/**
 * Opening cluster stores in tests, and waiting for what they report.
 *
 * ```ts
 * const stores = storeTracker();                 // afterEach closes what it opened
 * const a = await stores.open(server.url, 'host-a', { prefix });
 * const event = await nextEvent(b.store, (e) => e.type === 'session' && e.summary.terminal !== undefined);
 * ```
 */

import { jetstreamManager, type MsgRequest } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach } from 'vitest';
import type { JournalRecord } from '../../src/journal/index.js';
import type { OpenedStore, SessionStore, StoreEvent } from '../../src/manager/store.js';
import { type NatsClusterOptions, natsCluster } from '../../src/nats/index.js';
import type { StreamRecord } from '../../src/nats/journalStream.js';
import { clusterNames } from '../../src/nats/names.js';
import { withRetries } from '../../src/nats/natsCalls.js';

/**
 * The lease of tests that do not measure failover: long enough that a
 * worker stalled by a loaded machine does not fence its own hosts.
 */
export const TEST_LEASE_MS = 2000;

let counter = 0;

/** A prefix no other test uses, so tests share one server without seeing each other. */
/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

export function uniquePrefix(): string {
  counter += 1;
  return `t${process.pid}x${counter}`;
}

export interface StoreTracker {
  open(
    servers: string | string[],
    hostId: string,
    options?: Omit<NatsClusterOptions, 'servers'>,
  ): Promise<OpenedStore>;
}

/** Opens stores and closes every one of them after each test. */
export function storeTracker(): StoreTracker {
  const opened: SessionStore[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((store) => store.close()));
  });
  return {
    async open(servers, hostId, options = {}) {
      const result = await natsCluster({
        servers,
        leaseMs: 1000,
        timeoutMs: 3000,
        ...options,
      }).open({
        hostId,
        now: () => Date.now(),
      });
      opened.push(result.store);
      return result;
    },
  };
}

/** Resolves with the first event matching `predicate`; rejects after `timeoutMs` (a failure bound, not a delay). */
export function nextEvent(
  store: SessionStore,
  predicate: (event: StoreEvent) => boolean,
  timeoutMs = 5000,
): Promise<StoreEvent & { receivedAt: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching store event within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = store.watch((event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve({ ...event, receivedAt: performance.now() });
    });
  });
}

/** Collects every event a store reports. */
export function recordEvents(store: SessionStore): StoreEvent[] {
  const events: StoreEvent[] = [];
  store.watch((event) => events.push(event));
  return events;
}

/** Claims a session and writes its created and started records. */
export async function startSession(
  store: SessionStore,
  sessionId: string,
  metadata?: Record<string, unknown>,
): Promise<void> {
  const at = Date.now();
  await store.claim(sessionId, { createdAt: at });
  await store.append({
    type: 'created',
    sessionId,
    at,
    host: store.hostId,
    ...(metadata ? { metadata } : {}),
  });
  await store.append({ type: 'started', sessionId, at: Date.now() });
}

/** A terminal record for `sessionId`. */
export function terminal(
  sessionId: string,
  outcome: 'completed' | 'failed' | 'cancelled' | 'interrupted',
  createdAt = Date.now(),
): JournalRecord {
  const at = Date.now();
  return { type: 'terminal', sessionId, at, outcome, createdAt, endedAt: at, restarts: 0 };
}

/**
 * Every record of one session as stored, with sequences and message ids
 * (through a separate connection). Read from the stream leader (direct
 * gets are answered by any replica, and a follower may be a little
 * behind), one message at a time, retrying for up to `timeoutMs`: right
 * after a node is lost, the stream may be electing a new leader. No
 * consumer and no API check, which would need the JetStream meta leader,
 * maybe being elected too.
 */
export async function rawRecords(
  servers: string | string[],
  prefix: string,
  sessionId: string,
  timeoutMs = 20_000,
): Promise<StreamRecord[]> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 1000 });
    const names = clusterNames(prefix);
    const subject = names.journalSubject(sessionId);
    const decoder = new TextDecoder();
    return await withRetries(`read ${subject}`, timeoutMs, async () => {
      const out: StreamRecord[] = [];
      for (let seq = 1; ; ) {
        // The server (2.9+) takes next_by_subj on this leader API too; the
        // client's type only lists it for direct gets.
        const next = { seq, next_by_subj: subject } as unknown as MsgRequest;
        const message = await jsm.streams.getMessage(names.journalStream, next);
        if (!message) return out;
        out.push({
          seq: message.seq,
          record: JSON.parse(decoder.decode(message.data)) as JournalRecord,
          msgId: message.header?.get('Nats-Msg-Id') ?? '',
        });
        seq = message.seq + 1;
      }
    });
  } finally {
    await nc.close();
  }
}
