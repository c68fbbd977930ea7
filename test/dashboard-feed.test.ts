/**
 * A session page's stream sends what changed, not the whole detail each
 * time, and what a server holds for a client that does not read stays
 * within `maxQueuedBytes`, whatever the session holds.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DashboardServer, openJournalSource, serveDashboard } from '../src/dashboard/index.js';
import { shortenStrings } from '../src/dashboard/shorten.js';
import { createSessionManager, type SessionManager } from '../src/index.js';
import { agentMachine, apiClient, openEvents } from './helpers/dashboard.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('shortenStrings', () => {
  it('cuts long strings anywhere in plain data, with a marker, and copies only what it must', () => {
    const long = 'x'.repeat(5000);
    const value = { a: { title: long, n: 1 }, list: ['short', long], untouched: { b: 'short' } };
    const short = shortenStrings(value, 4096);
    expect(short.a.title).toBe(`${'x'.repeat(4096)}… [904 more characters]`);
    expect(short.list).toEqual(['short', `${'x'.repeat(4096)}… [904 more characters]`]);
    expect(short.untouched).toBe(value.untouched);
    expect(value.a.title).toBe(long);
    const small = { a: { b: ['c'] } };
    expect(shortenStrings(small, 4096)).toBe(small);
  });
});

describe('session stream updates', () => {
  let manager: SessionManager;
  let dashboard: DashboardServer;

  it('carry only what changed: no view, tree or journal that did not change; new journal records only', async () => {
    manager = await createSessionManager();
    dashboard = await serveDashboard(manager, { port: 0, intervalMs: 0 });
    cleanups.push(
      () => manager.stop(),
      () => dashboard.close(),
    );
    manager.createSession({
      id: 'a',
      metadata: { title: 'A session' },
      children: [{ id: 'agent', logic: agentMachine }],
    });
    const events = openEvents(dashboard, '&session=a');
    cleanups.push(() => events.close());
    const first = await events.next((m) => m.event === 'session' && m.data.full);
    const recordsAtFirst = first.data.journalTotal as number;
    expect(first.data.journal).toHaveLength(recordsAtFirst);
    expect(first.data.view).toMatchObject({ id: 'a', state: 'running' });

    manager.getChild('a', 'agent')!.send({ type: 'GO' });
    const moved = await events.next(
      (m) => m.event === 'session' && m.data.events?.some((e: { type: string }) => e.type === 'GO'),
    );
    // The session itself did not change: its view and journal are not sent again.
    expect(moved.data).not.toHaveProperty('view');
    expect(moved.data).not.toHaveProperty('journal');
    expect(moved.data).not.toHaveProperty('full');

    await manager.terminateSession('a', 'enough');
    const ended = await events.next(
      (m) =>
        m.event === 'session' && m.data.view?.state === 'cancelled' && m.data.journal !== undefined,
    );
    // Only the records appended since: the terminal one, not the created/started again.
    const types = ended.data.journal.map((r: { type: string }) => r.type);
    expect(types).toContain('terminal');
    expect(types).not.toContain('created');
    expect(ended.data.journalTotal).toBe(recordsAtFirst + ended.data.journal.length);
    // The full detail route still has everything.
    const detail = await apiClient(dashboard).get('/api/sessions/a');
    expect(detail.body.journal).toHaveLength(ended.data.journalTotal);
  });
});

describe('messages fit the client budget', () => {
  it('a full detail or an update larger than maxQueuedBytes leaves out its oldest records, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xotp-feed-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'journal.jsonl');
    // Each record is 24 KB of short strings: nothing to cut, only records to leave out. With the
    // session machine's chart (sent whole, twice: about 12 KB) one record fits the budget, two do not.
    const parts = Array.from({ length: 6 }, () => 'p'.repeat(4000));
    const line = (n: number) =>
      `${JSON.stringify({ type: 'note', sessionId: 's', at: n, parts })}\n`;
    writeFileSync(
      path,
      `${JSON.stringify({ type: 'created', sessionId: 's', at: 0 })}\n${line(1)}${line(2)}${line(3)}`,
    );
    const source = await openJournalSource(path, { pollMs: 10 });
    const maxQueuedBytes = 64 * 1024;
    const dashboard = await serveDashboard(source, { port: 0, intervalMs: 0, maxQueuedBytes });
    cleanups.push(
      () => source.close(),
      () => dashboard.close(),
    );
    const events = openEvents(dashboard, '&session=s');
    cleanups.push(() => events.close());
    const first = await events.next((m) => m.event === 'session' && m.data.full);
    expect(first.data.journalTotal).toBe(4);
    // 48 KiB of budget (64 KiB less the socket's 16 KiB): one record fits, the newest.
    expect(first.data.journal.map((r: { at: number }) => r.at)).toEqual([3]);
    // Three new records (72 KB) do not fit an update either: the newest is sent, and the page told.
    appendFileSync(path, line(4) + line(5) + line(6));
    const update = await events.next((m) => m.event === 'session' && m.data.journalTotal === 7);
    expect(update.data.journal.map((r: { at: number }) => r.at)).toEqual([6]);
    expect(update.data.journalReplace).toBe(true);
    for (const message of events.messages) {
      expect(Buffer.byteLength(JSON.stringify(message.data))).toBeLessThanOrEqual(
        maxQueuedBytes - 16 * 1024,
      );
    }
  });
});

describe('a client that does not read', () => {
  it(`ten of them, on a session with 4 MiB of metadata (two 2 MiB fields), hold at most ten times maxQueuedBytes`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xotp-feed-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'journal.jsonl');
    // Written as an older host could have: the journal itself holds metadata of any size.
    const huge = 'm'.repeat(2 * 1024 * 1024);
    writeFileSync(
      path,
      `${JSON.stringify({ type: 'created', sessionId: 'big', at: 1, metadata: { title: huge, notes: huge } })}\n`,
    );
    const source = await openJournalSource(path, { pollMs: 10 });
    const maxQueuedBytes = 64 * 1024;
    const dashboard = await serveDashboard(source, { port: 0, intervalMs: 0, maxQueuedBytes });
    cleanups.push(
      () => source.close(),
      () => dashboard.close(),
    );

    const sockets: Socket[] = [];
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    for (let i = 0; i < 10; i++) {
      const socket = connect(dashboard.port, '127.0.0.1');
      socket.write(
        `GET /api/events?session=big&token=${dashboard.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      );
      // Never read: what the kernel does not take stays with the server.
      socket.pause();
      sockets.push(socket);
    }
    const sessionStreams = () => dashboard.connections().filter((c) => c.sentBytes > 0);
    const held = () =>
      dashboard.connections().reduce((sum, c) => sum + c.queuedBytes + c.bufferedBytes, 0);
    await waitFor(() => sessionStreams().length === 10);
    // Records keep coming: every client is pushed an update for each.
    for (let n = 0; n < 10; n++) {
      appendFileSync(
        path,
        `${JSON.stringify({ type: 'note', sessionId: 'big', at: 2 + n, text: huge.slice(0, 100_000) })}\n`,
      );
      const total = 2 + n;
      await waitFor(async () => (await source.detail('big'))?.journal?.length === total);
      // The server's pushes for that record have gone out (or been dropped for a resync).
      await new Promise((resolve) => setImmediate(resolve));
      expect(held()).toBeLessThanOrEqual(10 * maxQueuedBytes);
    }
    expect(held()).toBeLessThanOrEqual(10 * maxQueuedBytes);
  }, 30_000);
});

/** Polls a condition (a bound on the wait, not a sleep standing in for an event). */
async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const until = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
