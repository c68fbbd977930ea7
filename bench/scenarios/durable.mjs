/**
 * Scenario 8, durable sessions (single host): what a checkpoint costs, each
 * figure against a baseline measured in the same run.
 *
 * Every session here has one machine child, `work`, that counts pings (its
 * context changes on every event, so every event makes a checkpoint). A
 * durable session is `createSession({ type: 'ping' })`; its non-durable twin
 * is the same child given inline. Journals are file journals in a temporary
 * directory (os.tmpdir(): the machine's disk). The naive writer is
 * `appendFile` + `fdatasync` per record (the sync call the file journal
 * makes), with records the size of a checkpoint record.
 *
 * 1. **Awaited send, one session**: `await manager.send(...)` latency against
 *    one `appendFile` + `fdatasync` of a record the size of the checkpoint
 *    record that send writes: the physical floor. Wall clock (the figure is
 *    a wait on the disk).
 * 2. **Awaited sends, 100 sessions at once**: 100 loops of awaited sends;
 *    events/s against 100 naive writers, one record per event. Wall clock.
 * 3. **Fire-and-forget**: `ref.send` on the child of a durable session, no
 *    one awaiting, against the same send on a non-durable session, both on
 *    the file journal; µs per event, 10 events per turn of the event loop.
 *    A checkpoint goes out whenever the previous one's fsync has completed
 *    (the number written is in the details). What the host's CPU pays, so
 *    it follows BENCH_CLOCK (cpu recommended on a shared machine).
 * 4. **1,000 sessions × 10 events**: 1,000 durable sessions each send 10
 *    awaited events, all sessions at once; checkpoint records/s (each event
 *    is its own record: a session waits for one before sending the next)
 *    against 1,000 naive writers of 10 records each. Wall clock.
 * 5. **Resume of 1,000 sessions**: a journal left by a host with 1,000 live
 *    durable sessions (copied while they run: what a kill -9 leaves, minus
 *    processes); time until `createSessionManager` on it resolves with all
 *    of them running again, and until their `resumed` records are durable.
 *    Reference (no target): the same reopen with 1,000 non-durable sessions,
 *    which end `interrupted`. Wall clock.
 * 6. **Heap per live durable session** against a non-durable one, after a
 *    full GC, both on file journals (records are on disk, not in memory).
 */
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileJournal, createSessionManager } from '../lib/library.mjs';
import { pingChild, durableTypes as sessionTypes } from '../lib/machines.mjs';
import { median, microseconds, quick, settledHeap, size } from '../lib/measure.mjs';
import { observedJournal } from '../lib/observedJournal.mjs';
import { row } from '../lib/report.mjs';

const PING = { type: 'ping' };
/** A fresh spec per session, as the type function builds one per session. */
const plainSpec = () => ({ children: [{ id: 'work', logic: pingChild }] });

/** A file journal that can also wait until none of its appends is in flight. */
const observed = (path) => observedJournal(createFileJournal(path));

/** A naive writer: one `appendFile` + `fdatasync` per record, nothing shared. */
async function naiveWriter(path) {
  const handle = await open(path, 'a');
  return {
    async append(line) {
      await handle.appendFile(line);
      await handle.datasync();
    },
    close: () => handle.close(),
  };
}

/** The checkpoint line a ping session's send writes, as the journal stores it. */
function checkpointLine(sessionId, pings) {
  const record = {
    type: 'checkpoint',
    sessionId,
    at: Date.now(),
    childId: 'work',
    snapshot: {
      status: 'active',
      value: 'ready',
      historyValue: {},
      context: { pings },
      children: {},
    },
  };
  return `${JSON.stringify(record)}\n`;
}

/** The size the journal really wrote for one checkpoint (from its counters), to check the line above. */
async function measuredCheckpointBytes(dir) {
  const journal = observed(join(dir, 'size.jsonl'));
  const manager = await createSessionManager({ journal, sessionTypes });
  const session = manager.createSession({ id: 'd-000000', type: 'ping' });
  await manager.send(session.id, 'work', PING);
  await journal.idle();
  const before = journal.stats.bytesWritten;
  await manager.send(session.id, 'work', PING);
  const bytes = journal.stats.bytesWritten - before;
  await manager.stop();
  return bytes;
}

async function awaitedLatency(dir, line) {
  const journal = observed(join(dir, 'latency.jsonl'));
  const manager = await createSessionManager({ journal, sessionTypes });
  const { id } = manager.createSession({ id: 'd-000000', type: 'ping' });
  const naive = await naiveWriter(join(dir, 'latency-naive.jsonl'));
  const us = await microseconds(
    {
      durable: () => manager.send(id, 'work', PING),
      floor: () => naive.append(line),
    },
    { clock: 'wall', time: size(4000, 1500), rounds: size(6, 4) },
  );
  const appends = journal.stats.appends;
  await manager.stop();
  await naive.close();
  return { ...us, appends };
}

/** `writers` loops of `events` awaited sends each, on as many sessions; events/s. */
async function concurrentSends(path, writers, events) {
  const journal = observed(path);
  const manager = await createSessionManager({ journal, sessionTypes });
  const ids = Array.from(
    { length: writers },
    (_, i) => manager.createSession({ id: `d-${String(i).padStart(6, '0')}`, type: 'ping' }).id,
  );
  await journal.idle();
  const { appends, syncs } = journal.stats;
  const start = performance.now();
  await Promise.all(
    ids.map(async (id) => {
      for (let i = 0; i < events; i++) await manager.send(id, 'work', PING);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const records = journal.stats.appends - appends;
  const fsyncs = journal.stats.syncs - syncs;
  await manager.stop();
  return { rate: (writers * events) / seconds, records, fsyncs, recordRate: records / seconds };
}

/** The naive counterpart: `writers` loops of `events` naive appends of `line`; records/s. */
async function concurrentNaive(path, writers, events, line) {
  const naive = await naiveWriter(path);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = 0; i < events; i++) await naive.append(line);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await naive.close();
  return (writers * events) / seconds;
}

async function fireAndForget(dir) {
  const journal = observed(join(dir, 'forget.jsonl'));
  const manager = await createSessionManager({ journal, sessionTypes });
  const durable = manager.getChild(
    manager.createSession({ id: 'd-000000', type: 'ping' }).id,
    'work',
  );
  const plain = manager.getChild(
    manager.createSession({ id: 'p-000000', ...plainSpec() }).id,
    'work',
  );
  const BATCH = 10;
  const burst = (ref) => async () => {
    for (let i = 0; i < BATCH; i++) ref.send(PING);
    // A turn of the event loop, as between events arriving from I/O: the
    // durable side's batch goes to the journal, and a finished fsync is
    // taken in, so the next state waiting is persisted and written. (Awaiting
    // a microtask only would never let an fsync complete: every event after
    // the first would coalesce into one pending checkpoint, and cost nothing.)
    await new Promise((resolve) => setImmediate(resolve));
  };
  await journal.idle();
  const appendsBefore = journal.stats.appends;
  const us = await microseconds(
    { durable: burst(durable), plain: burst(plain) },
    { batch: BATCH, time: size(3000, 1200) },
  );
  const appends = journal.stats.appends - appendsBefore;
  await journal.idle();
  await manager.stop();
  return { ...us, appends };
}

/** A journal with `count` live sessions, copied while its manager runs: what a kill -9 leaves. */
async function leftJournal(dir, name, count, durable) {
  const journal = observed(join(dir, `${name}.jsonl`));
  const manager = await createSessionManager({ journal, sessionTypes });
  for (let i = 0; i < count; i++) {
    const id = `${durable ? 'd' : 'p'}-${String(i).padStart(6, '0')}`;
    manager.createSession(durable ? { id, type: 'ping' } : { id, ...plainSpec() });
  }
  // Three checkpointed events each (in the non-durable journal the pings change nothing on disk).
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      manager.listSessions().map((session) => manager.send(session.id, 'work', PING)),
    );
  }
  await journal.idle();
  const copy = join(dir, `${name}-left.jsonl`);
  await copyFile(journal.path, copy);
  await manager.stop();
  return copy;
}

/** Ms until a manager opened on a copy of `left` resolves, and until its appends are durable. */
async function reopen(left, path, expectRunning) {
  await copyFile(left, path);
  const journal = observed(path);
  const start = performance.now();
  const manager = await createSessionManager({ journal, sessionTypes });
  const resolvedMs = performance.now() - start;
  await journal.idle();
  const durableMs = performance.now() - start;
  const running = manager.listSessions().filter((s) => s.outcome === undefined).length;
  if (running !== expectRunning) {
    throw new Error(`expected ${expectRunning} sessions running after reopen, found ${running}`);
  }
  await manager.stop();
  return { resolvedMs, durableMs };
}

async function heapPer(dir, name, count, durable) {
  const journal = observed(join(dir, `${name}.jsonl`));
  const manager = await createSessionManager({ journal, sessionTypes });
  const before = await settledHeap();
  for (let i = 0; i < count; i++) {
    const id = `${durable ? 'd' : 'p'}-${String(i).padStart(6, '0')}`;
    manager.createSession(durable ? { id, type: 'ping' } : { id, ...plainSpec() });
  }
  await journal.idle();
  const after = await settledHeap();
  await manager.stop();
  return (after - before) / count;
}

export async function run() {
  const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-bench-durable-'));
  const file = (name) => join(dir, name);
  try {
    const line = checkpointLine('d-000000', 1);
    const recordBytes = await measuredCheckpointBytes(dir);
    const lineBytes = Buffer.byteLength(line);
    if (Math.abs(recordBytes - lineBytes) > 2) {
      throw new Error(
        `the naive record (${lineBytes} B) is not a checkpoint's size (${recordBytes} B)`,
      );
    }

    // 1. One session, awaited sends.
    const latency = await awaitedLatency(dir, line);

    // 2 and 4: concurrent awaited sends, rounds alternating with the naive writers.
    const ROUNDS = quick ? 2 : 3;
    const SENDS_100 = size(50, 20);
    const hundred = { ours: [], naive: [], fsyncs: [], records: [] };
    const thousand = { ours: [], naive: [], fsyncs: [], records: [] };
    // Warm-up, not counted: the first sessions run unoptimised code.
    for (let round = 0; round < 2; round++) {
      await concurrentSends(file(`w100-${round}.jsonl`), 100, SENDS_100);
      await concurrentSends(file(`w1000-${round}.jsonl`), 1000, 10);
    }
    for (let round = 0; round < ROUNDS; round++) {
      hundred.naive.push(await concurrentNaive(file(`n100-${round}.jsonl`), 100, SENDS_100, line));
      const h = await concurrentSends(file(`o100-${round}.jsonl`), 100, SENDS_100);
      hundred.ours.push(h.rate);
      hundred.fsyncs.push(h.fsyncs);
      hundred.records.push(h.records);
      thousand.naive.push(await concurrentNaive(file(`n1000-${round}.jsonl`), 1000, 10, line));
      const t = await concurrentSends(file(`o1000-${round}.jsonl`), 1000, 10);
      thousand.ours.push(t.recordRate);
      thousand.fsyncs.push(t.fsyncs);
      thousand.records.push(t.records);
    }

    // 3. Fire-and-forget.
    const forget = await fireAndForget(dir);

    // 5. Resume of 1,000 sessions on reopen.
    const RESUMED = 1000;
    const durableLeft = await leftJournal(dir, 'left-durable', RESUMED, true);
    const plainLeft = await leftJournal(dir, 'left-plain', RESUMED, false);
    const resume = { ours: [], plain: [], oursDurable: [], plainDurable: [] };
    await reopen(durableLeft, file('warm-resume.jsonl'), RESUMED);
    for (let round = 0; round < ROUNDS; round++) {
      const ours = await reopen(durableLeft, file(`resume-${round}.jsonl`), RESUMED);
      const plain = await reopen(plainLeft, file(`reopen-${round}.jsonl`), 0);
      resume.ours.push(ours.resolvedMs);
      resume.oursDurable.push(ours.durableMs);
      resume.plain.push(plain.resolvedMs);
      resume.plainDurable.push(plain.durableMs);
    }

    // 6. Heap per live session.
    const HEAP_SESSIONS = size(10_000, 2_000);
    await heapPer(dir, 'heap-warm', 500, true);
    const heapPlain = await heapPer(dir, 'heap-plain', HEAP_SESSIONS, false);
    const heapDurable = await heapPer(dir, 'heap-durable', HEAP_SESSIONS, true);

    return [
      row({
        scenario: 'durable: one session, each send awaited',
        ours: latency.durable,
        baseline: latency.floor,
        unit: 'µs wall/send',
        baselineName: `one appendFile + fdatasync of a ${lineBytes}-byte record (a checkpoint's size)`,
        target: { ratioMax: 1.3 },
        details: { recordBytes, checkpointRecords: latency.appends },
      }),
      row({
        scenario: 'durable: 100 sessions sending at once, each send awaited',
        ours: median(hundred.ours),
        baseline: median(hundred.naive),
        unit: 'events/s',
        baselineName: `100 writers, appendFile + fdatasync per event (${lineBytes} B records)`,
        target: { ratioMin: 10 },
        details: {
          eventsPerSession: SENDS_100,
          rounds: { ours: hundred.ours, naive: hundred.naive },
          fsyncs: hundred.fsyncs,
          records: hundred.records,
        },
      }),
      row({
        scenario: 'durable: fire-and-forget ref.send vs non-durable',
        ours: forget.durable,
        baseline: forget.plain,
        unit: `µs ${process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall'}/event`,
        baselineName: 'the same send to the same child in a non-durable session',
        target: { ratioMax: 1.5 },
        details: { checkpointRecords: forget.appends },
      }),
      row({
        scenario: 'durable: 1000 sessions × 10 events, checkpoints',
        ours: median(thousand.ours),
        baseline: median(thousand.naive),
        unit: 'records/s',
        baselineName: `1000 writers × 10 records, appendFile + fdatasync per record (${lineBytes} B)`,
        target: { ratioMin: 5 },
        details: {
          rounds: { ours: thousand.ours, naive: thousand.naive },
          fsyncs: thousand.fsyncs,
          records: thousand.records,
        },
      }),
      row({
        scenario: 'durable: resume of 1000 sessions on reopen',
        ours: median(resume.ours),
        baseline: median(resume.plain),
        unit: 'ms wall',
        baselineName: 'the same reopen, 1000 non-durable sessions (they end interrupted)',
        target: { oursMax: 2000 },
        details: {
          rounds: resume,
          note: 'durable: until resumed records and first checkpoints are on disk',
        },
      }),
      row({
        scenario: 'durable: heap per live session',
        ours: heapDurable / 1024,
        baseline: heapPlain / 1024,
        unit: 'KiB/session',
        baselineName: 'the same session, non-durable (inline children)',
        target: { ratioMax: 1.2 },
        details: { sessions: HEAP_SESSIONS },
      }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
