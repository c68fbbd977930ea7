/**
 * The dashboard on big journals and big sessions: what one viewer, one
 * detail request and ten stalled clients cost a host whatever the journal
 * and the session hold.
 *
 * 1. Event-loop delay with one viewer: a host whose file journal holds
 *    20 MB (30,000 ended sessions) runs a chatty session (its child flips
 *    state every 2 ms); one client follows that session's page stream. The
 *    event loop's delay p99 (`monitorEventLoopDelay`) with the viewer,
 *    against the same host without it, in alternating 2 s windows (the
 *    median window of each side). Target: at most 20 ms.
 * 2. `GET /api/sessions/:id` of an ended session on that host (its records
 *    are read by offset from the 20 MB journal), against the same request
 *    on a host whose journal holds only that session. Median of sequential
 *    requests; target: at most 20 ms.
 * 3. Ten session-stream clients that never read, on a session whose
 *    journal `created` record carries 1 MiB of metadata (as an older host
 *    could have written it; `createSession` now refuses more than 64 KiB),
 *    while big records keep being appended (each update is 200 KiB, so the
 *    kernel's socket buffers soon fill): the most the server held for
 *    them at once (queues plus Node's socket buffers). Target: at most ten
 *    times `maxQueuedBytes`.
 */
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMachine } from 'xstate';
import { createSessionManager } from '../lib/library.mjs';
import { median, size } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const dist = process.env.BENCH_DIST
  ? pathToFileURL(`${resolve(process.env.BENCH_DIST)}/`)
  : new URL('../../dist/', import.meta.url);
const { serveDashboard, openJournalSource } = await import(
  new URL('dashboard/index.js', dist).href
);

const ENDED = size(30_000, 30_000);
const SAMPLE_MS = size(2000, 1000);
const ROUNDS = size(5, 3);
const REQUESTS = size(200, 50);
const MAX_QUEUED = 256 * 1024;

/** Flips between two states on every `flip`: each event changes the active state. */
const flipper = createMachine({
  id: 'flipper',
  initial: 'a',
  states: { a: { on: { flip: 'b' } }, b: { on: { flip: 'a' } } },
});

/** A journal of `count` ended sessions, about 650 bytes each (their records and some metadata). */
function writeBigJournal(path, count) {
  const lines = [];
  const note = 'n'.repeat(160);
  for (let i = 0; i < count; i++) {
    const sessionId = `old-${i}`;
    const at = 1_700_000_000_000 + i * 10;
    const metadata = { title: `Old session ${i}`, note };
    lines.push(
      JSON.stringify({
        type: 'created',
        sessionId,
        at,
        host: 'bench',
        metadata,
        spec: { children: ['agent'] },
      }),
      JSON.stringify({ type: 'started', sessionId, at: at + 1 }),
      JSON.stringify({
        type: 'terminal',
        sessionId,
        at: at + 5,
        outcome: 'completed',
        createdAt: at,
        endedAt: at + 5,
        restarts: 0,
        host: 'bench',
        metadata,
      }),
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Follows a session's stream, reading everything (a browser tab in view). */
function follow(base, token, id) {
  const req = request(`${base}/api/events?session=${id}&token=${token}`, (res) => res.resume());
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

function get(base, token, path) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const req = request(
      `${base}${path}`,
      { headers: { Authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode}`));
          else resolvePromise(performance.now() - started);
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function loopDelayP99(ms) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  await new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
  histogram.disable();
  return {
    p99: histogram.percentile(99) / 1e6,
    max: histogram.max / 1e6,
    mean: histogram.mean / 1e6,
  };
}

async function host(journal) {
  const manager = await createSessionManager({ journal, hostId: 'bench' });
  manager.createSession({ id: 'chatty', children: [{ id: 'agent', logic: flipper }] });
  const dashboard = await serveDashboard(manager, { port: 0 });
  const base = `http://127.0.0.1:${dashboard.port}`;
  const timer = setInterval(() => manager.getChild('chatty', 'agent')?.send({ type: 'flip' }), 2);
  return {
    manager,
    dashboard,
    base,
    async close() {
      clearInterval(timer);
      await dashboard.close();
      await manager.stop();
    },
  };
}

async function viewerAndDetail(dir) {
  const bigPath = join(dir, 'big.jsonl');
  writeBigJournal(bigPath, ENDED);
  const journalMb = statSync(bigPath).size / 1e6;
  const smallPath = join(dir, 'small.jsonl');
  writeBigJournal(smallPath, 1);
  const times = async (h, sessionId) => {
    const all = [];
    for (let i = 0; i < REQUESTS; i++) {
      all.push(await get(h.base, h.dashboard.token, `/api/sessions/${sessionId}`));
    }
    return all.sort((a, b) => a - b);
  };
  // One host at a time: the other's timers would be noise in this one's event loop.
  const big = await host(bigPath);
  let without;
  let withViewer;
  let bigTimes;
  try {
    // Row 1: the same host, without then with one viewer of the chatty session, alternated
    // (the machine is shared: its load moves between windows); the median window of each.
    const windows = { without: [], withViewer: [] };
    for (let round = 0; round < ROUNDS; round++) {
      windows.without.push(await loopDelayP99(SAMPLE_MS));
      const stop = follow(big.base, big.dashboard.token, 'chatty');
      windows.withViewer.push(await loopDelayP99(SAMPLE_MS));
      stop();
    }
    const middle = (list) => [...list].sort((a, b) => a.p99 - b.p99)[Math.floor(list.length / 2)];
    without = { ...middle(windows.without), windows: windows.without.map((w) => w.p99) };
    withViewer = { ...middle(windows.withViewer), windows: windows.withViewer.map((w) => w.p99) };
    // Row 2: the newest ended session (still listed: retainEnded keeps 10,000).
    const id = `old-${ENDED - 1}`;
    await times(big, id); // warm up
    bigTimes = await times(big, id);
  } finally {
    await big.close();
  }
  const small = await host(smallPath);
  let smallTimes;
  try {
    await times(small, 'old-0');
    smallTimes = await times(small, 'old-0');
  } finally {
    await small.close();
  }
  return [
    row({
      scenario: `session page viewer, ${journalMb.toFixed(1)} MB journal: event-loop delay p99`,
      ours: withViewer.p99,
      baseline: without.p99,
      unit: 'ms',
      baselineName: 'the same host with no viewer',
      target: { oursMax: 20 },
      details: { withViewer, without, journalMb },
    }),
    row({
      scenario: `GET /api/sessions/:id, ${journalMb.toFixed(1)} MB journal`,
      ours: median(bigTimes),
      baseline: median(smallTimes),
      unit: 'ms',
      baselineName: 'the same request on a one-session journal',
      target: { oursMax: 20 },
      details: {
        p99: bigTimes[Math.floor(bigTimes.length * 0.99)],
        baselineP99: smallTimes[Math.floor(smallTimes.length * 0.99)],
        requests: REQUESTS,
        journalMb,
      },
    }),
  ];
}

async function stalledClients(dir) {
  const path = join(dir, 'metadata.jsonl');
  const huge = 'm'.repeat(1 << 20);
  writeFileSync(
    path,
    `${JSON.stringify({ type: 'created', sessionId: 'big', at: 1, metadata: { title: huge } })}\n`,
  );
  const source = await openJournalSource(path, { pollMs: 20 });
  const dashboard = await serveDashboard(source, {
    port: 0,
    intervalMs: 0,
    maxQueuedBytes: MAX_QUEUED,
  });
  const sockets = [];
  let most = 0;
  const held = () => {
    const now = dashboard
      .connections()
      .reduce((sum, c) => sum + c.queuedBytes + c.bufferedBytes, 0);
    most = Math.max(most, now);
  };
  try {
    for (let i = 0; i < 10; i++) {
      const socket = connect(dashboard.port, '127.0.0.1');
      socket.write(
        `GET /api/events?session=big&token=${dashboard.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      );
      socket.pause();
      sockets.push(socket);
    }
    const probe = setInterval(held, 5);
    // Records keep coming, each one an update for every client.
    // Big ones (50 fields of 4 KiB: 200 KiB, under the stream's cut), so that the kernel's
    // socket buffers (a few MB each on loopback) are soon full and the server has to hold or drop.
    const parts = Array.from({ length: 50 }, () => huge.slice(0, 4 * 1024));
    for (let n = 0; n < 80; n++) {
      appendFileSync(
        path,
        `${JSON.stringify({ type: 'note', sessionId: 'big', at: 2 + n, parts })}\n`,
      );
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 25));
    }
    clearInterval(probe);
    held();
    const sent = dashboard.connections().reduce((sum, c) => sum + c.sentBytes, 0);
    const resyncs = dashboard.connections().reduce((sum, c) => sum + c.resyncs, 0);
    const heldAtEnd = dashboard
      .connections()
      .reduce((sum, c) => sum + c.queuedBytes + c.bufferedBytes, 0);
    return row({
      scenario: '10 stalled session-stream clients, 1 MiB metadata: held',
      ours: most / 1024,
      unit: 'KiB',
      target: { oursMax: (10 * MAX_QUEUED) / 1024 },
      details: { maxQueuedBytes: MAX_QUEUED, sentBytes: sent, resyncs, heldAtEnd },
    });
  } finally {
    for (const socket of sockets) socket.destroy();
    await dashboard.close();
    source.close();
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'xotp-bench-dashboard-size-'));
  try {
    return [...(await viewerAndDetail(dir)), await stalledClients(dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
