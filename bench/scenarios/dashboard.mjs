/**
 * Scenario 8, the dashboard under load: 10,000 live sessions, a dashboard
 * with 5 event-stream clients connected (in another process), and session
 * churn on top.
 *
 * 1. Churn cost: the churn of scenario 1 (create → done) on a manager served
 *    by a dashboard with 5 connected clients, against the same churn on a
 *    manager with no dashboard. Both managers hold the same 10,000 idle
 *    sessions; the two are measured interleaved, in CPU time of this process
 *    (what the dashboard costs the host; the clients' own work is theirs).
 *    Target: at most 1.1x.
 * 2. Slow clients: two of the five stop reading while churn goes on. Each
 *    client's server-side queue must stay under its bound (the stalled ones
 *    are switched to snapshots), and so must the heap.
 * 3. The page (when /usr/bin/chromium is there): time until the table shows
 *    every session, time for a search to narrow it, and the longest frame
 *    gap while churn goes on.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchEnv } from '../lib/leaks.mjs';
import { createSessionManager } from '../lib/library.mjs';
import { finishingChild, idleChild, sessionSpec } from '../lib/machines.mjs';
import { microseconds, size } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';
import { startSseClients } from '../lib/sseClients.mjs';

const dist = process.env.BENCH_DIST
  ? pathToFileURL(`${resolve(process.env.BENCH_DIST)}/`)
  : new URL('../../dist/', import.meta.url);
const { serveDashboard } = await import(new URL('dashboard/index.js', dist).href);

const SESSIONS = 10_000;
const CLIENTS = 5;
const MAX_QUEUED = 1 << 20;
const CHROMIUM = '/usr/bin/chromium';

async function withIdleSessions(count) {
  const manager = await createSessionManager();
  const spec = sessionSpec(idleChild);
  for (let i = 0; i < count; i++) manager.createSession({ ...spec, id: `idle-${i}` });
  return manager;
}

/**
 * One churn iteration. Every `YIELD_EVERY` sessions it lets the event loop
 * turn (timers, sockets), as a host serving requests does all the time:
 * without that, a loop of microtasks would starve the dashboard's pushes and
 * measure nothing of them. Both sides of the comparison do the same.
 */
const YIELD_EVERY = 20;

function churner(manager) {
  const spec = sessionSpec(finishingChild, { significant: true });
  let count = 0;
  return async () => {
    count += 1;
    if (count % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    const session = manager.createSession(spec);
    manager.getChild(session.id, 'work').send({ type: 'finish' });
    const record = await session.done;
    if (record.outcome !== 'completed') throw new Error(`session ended ${record.outcome}`);
  };
}

/** Runs `task` back to back for `ms`, calling `probe` every 50 ms; returns the iterations. */
async function churnFor(task, ms, probe) {
  const end = performance.now() + ms;
  let next = performance.now();
  let count = 0;
  while (performance.now() < end) {
    await task();
    count += 1;
    if (performance.now() >= next) {
      probe();
      next = performance.now() + 50;
      // Let the server's timers and sockets run, as they would between requests.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return count;
}

async function measurePage(url, churn) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'xstate-otp-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    env: { ...process.env, ...benchEnv },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await context.newPage();
    const loadStart = performance.now();
    await page.goto(url);
    await page.waitForFunction(
      (n) => Number(document.querySelector('.count')?.dataset.count) >= n,
      SESSIONS,
      { timeout: 60_000 },
    );
    const loadMs = performance.now() - loadStart;
    const domRows = await page.locator('tr.row').count();
    const filterStart = performance.now();
    await page.locator('input[name="search"]').fill('idle-9999');
    await page.locator('.count[data-count="1"]').waitFor();
    const filterMs = performance.now() - filterStart;
    await page.locator('input[name="search"]').fill('');
    // The longest gap between two animation frames while churn pushes changes.
    await page.evaluate(() => {
      const state = { last: performance.now(), max: 0, on: true };
      window.__frames = state;
      const tick = (now) => {
        state.max = Math.max(state.max, now - state.last);
        state.last = now;
        if (state.on) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const churned = await churn();
    const frameGapMaxMs = await page.evaluate(() => {
      window.__frames.on = false;
      return window.__frames.max;
    });
    return { loadMs, filterMs, domRows, frameGapMaxMs, churned };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function run() {
  const plain = await withIdleSessions(SESSIONS);
  const served = await withIdleSessions(SESSIONS);
  const dashboard = await serveDashboard(served, { port: 0, maxQueuedBytes: MAX_QUEUED });
  const clients = startSseClients(dashboard.url, CLIENTS);
  await clients.ready();

  // CPU time of this process: the clients (a browser, in life) run elsewhere,
  // and on a 2-core machine wall time would charge their work to the host.
  const us = await microseconds(
    { without: churner(plain), with5clients: churner(served) },
    { clock: 'cpu' },
  );
  // The last push of the churn, delivered.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const afterChurn = await clients.report();

  // Slow clients: two stop reading; churn goes on; queues must stay bounded.
  // The heap is compared with the same churn on the manager without a
  // dashboard (ended sessions stay in every manager's memory: the difference
  // is what the dashboard keeps).
  const heapGrowth = async (manager, probe) => {
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const churned = await churnFor(churner(manager), size(8000, 3000), probe);
    globalThis.gc?.();
    return { churned, perSession: (process.memoryUsage().heapUsed - before) / churned };
  };
  const plainHeap = await heapGrowth(plain, () => {});
  await clients.stall(2);
  let maxQueued = 0;
  let maxBuffered = 0;
  const servedHeap = await heapGrowth(served, () => {
    for (const connection of dashboard.connections()) {
      maxQueued = Math.max(maxQueued, connection.queuedBytes);
      maxBuffered = Math.max(maxBuffered, connection.bufferedBytes);
    }
  });
  const resyncs = dashboard.connections().reduce((sum, c) => sum + c.resyncs, 0);
  await clients.resume();
  // Resumed, a stalled client drains and gets a fresh snapshot.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const afterStall = await clients.report();

  let page;
  if (existsSync(CHROMIUM)) {
    page = await measurePage(dashboard.url, () => churnFor(churner(served), 3000, () => {}));
  }

  await clients.close();
  await dashboard.close();
  await plain.stop();
  await served.stop();

  const messages = afterChurn.perClient.map((c) => c.messages);
  const rows = [
    row({
      scenario: `session churn, ${SESSIONS / 1000}k sessions, dashboard + ${CLIENTS} clients`,
      ours: us.with5clients,
      baseline: us.without,
      unit: 'µs CPU/session',
      baselineName: `the same churn on a manager with ${SESSIONS} sessions and no dashboard`,
      target: { ratioMax: 1.1 },
      details: {
        messagesPerClient: messages,
        bytesPerClient: afterChurn.perClient.map((c) => c.bytes),
      },
    }),
    row({
      scenario: 'dashboard: max queue of a stalled client',
      ours: maxQueued / 1024,
      unit: 'KiB',
      target: { oursMax: MAX_QUEUED / 1024 },
      details: {
        stalledClients: 2,
        sessionsChurned: servedHeap.churned,
        resyncs,
        maxSocketBufferedKiB: maxBuffered / 1024,
        heapPerEndedSessionBytes: {
          withDashboard: servedHeap.perSession,
          without: plainHeap.perSession,
        },
        resetsPerClient: afterStall.perClient.map((c) => c.resets),
      },
    }),
  ];
  if (page) {
    rows.push(
      row({
        scenario: `dashboard page: ${SESSIONS / 1000}k sessions shown`,
        ours: page.loadMs,
        unit: 'ms',
        target: { oursMax: 5000 },
        details: page,
      }),
      row({
        scenario: 'dashboard page: longest frame gap under churn',
        ours: page.frameGapMaxMs,
        unit: 'ms',
        target: { oursMax: 250 },
        details: { churnedSessions: page.churned, filterMs: page.filterMs, domRows: page.domRows },
      }),
    );
  }
  return rows;
}
