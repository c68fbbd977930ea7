/**
 * A durable session's attempts on the dashboard, from a live manager and
 * from a journal file: the list API and the table's stream carry the
 * attempt (none for a session that is not durable), and a resumed session's
 * stream carries its `resumed` record and where it was resumed from, with
 * checkpoints sent without their snapshots.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DashboardServer,
  type DashboardSource,
  openJournalSource,
  serveDashboard,
} from '../src/dashboard/index.js';
import type { SessionManager } from '../src/index.js';
import { agentMachine, apiClient, openEvents, type SseMessage } from './helpers/dashboard.js';
import { resumedOnSecondHost } from './helpers/durable.js';

let dir: string;
let path: string;
let manager: SessionManager;
const cleanups: (() => Promise<void> | void)[] = [];

type Row = { id: string; attempt?: number };
const attempts = (rows: Row[]) => Object.fromEntries(rows.map((row) => [row.id, row.attempt]));
const records = (message: SseMessage) =>
  (message.data.journal ?? []) as { type: string; [key: string]: unknown }[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xotp-attempts-'));
  path = join(dir, 'journal.jsonl');
  manager = await resumedOnSecondHost(path);
  manager.createSession({ id: 'fresh', type: 'counter' });
  manager.createSession({ id: 'plain', children: [{ id: 'agent', logic: agentMachine }] });
  await manager.send('fresh', 'counter', { type: 'INC' });
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await manager?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(target: SessionManager | DashboardSource): Promise<DashboardServer> {
  const dashboard = await serveDashboard(target, { port: 0, intervalMs: 0 });
  cleanups.push(() => dashboard.close());
  return dashboard;
}

describe('a live manager', () => {
  it('the list API and the table stream carry each durable session attempt, none for the others', async () => {
    const dashboard = await serve(manager);
    const list = await apiClient(dashboard).get('/api/sessions');
    expect(attempts(list.body.sessions)).toEqual({ resumed: 2, fresh: 1, plain: undefined });

    const events = openEvents(dashboard);
    cleanups.push(() => events.close());
    const reset = await events.next((m) => m.event === 'reset');
    expect(attempts(reset.data.rows)).toEqual({ resumed: 2, fresh: 1, plain: undefined });
    expect(reset.data.rows.find((row: Row) => row.id === 'plain')).not.toHaveProperty('attempt');
    // A row that changes is sent again with its attempt.
    await manager.terminateSession('fresh');
    const changed = await events.next(
      (m) => m.event === 'changes' && m.data.rows.some((row: Row) => row.id === 'fresh'),
    );
    expect(changed.data.rows.find((row: Row) => row.id === 'fresh')).toMatchObject({
      state: 'cancelled',
      attempt: 1,
    });
  });

  it("a resumed session's stream carries its resumed record and where it came from; checkpoints come without snapshots", async () => {
    const dashboard = await serve(manager);
    const events = openEvents(dashboard, '&session=resumed');
    cleanups.push(() => events.close());
    const first = await events.next((m) => m.event === 'session' && m.data.full);
    expect(first.data.view).toMatchObject({ attempt: 2, resumedFrom: 'host-a', host: 'host-b' });
    expect(records(first).filter((r) => r.type === 'resumed')).toMatchObject([
      { attempt: 2, host: 'host-b', from: 'host-a' },
    ]);
    const checkpoints = records(first).filter((r) => r.type === 'checkpoint');
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const checkpoint of checkpoints) {
      expect(checkpoint).not.toHaveProperty('snapshot');
      expect(checkpoint).toMatchObject({ childId: 'counter', value: 'counting' });
    }

    // A new checkpoint comes as an update, without its snapshot too.
    await manager.send('resumed', 'counter', { type: 'INC' });
    const update = await events.next(
      (m) =>
        m.event === 'session' && !m.data.full && records(m).some((r) => r.type === 'checkpoint'),
    );
    expect(records(update)).toEqual([
      expect.objectContaining({ type: 'checkpoint', childId: 'counter', value: 'counting' }),
    ]);
    expect(records(update)[0]).not.toHaveProperty('snapshot');

    // The detail route has the snapshots whole.
    const detail = await apiClient(dashboard).get('/api/sessions/resumed');
    expect(detail.body.view).toMatchObject({ attempt: 2, resumedFrom: 'host-a' });
    const last = detail.body.journal
      .filter((r: { type: string }) => r.type === 'checkpoint')
      .at(-1);
    expect(last.snapshot.context).toEqual({ count: 4 });
  });
});

describe('a journal file (xstate-otp dashboard --journal)', () => {
  it('shows the attempts, and the resumed record with where it came from', async () => {
    const source = await openJournalSource(path, { pollMs: 10 });
    cleanups.push(() => source.close());
    const dashboard = await serve(source);
    const list = await apiClient(dashboard).get('/api/sessions');
    expect(attempts(list.body.sessions)).toMatchObject({ resumed: 2, fresh: 1, plain: undefined });

    const table = openEvents(dashboard);
    cleanups.push(() => table.close());
    const reset = await table.next((m) => m.event === 'reset');
    expect(attempts(reset.data.rows)).toMatchObject({ resumed: 2, fresh: 1, plain: undefined });

    const events = openEvents(dashboard, '&session=resumed');
    cleanups.push(() => events.close());
    const first = await events.next((m) => m.event === 'session' && m.data.full);
    expect(first.data.view).toMatchObject({ attempt: 2, resumedFrom: 'host-a', host: 'host-b' });
    expect(records(first).filter((r) => r.type === 'resumed')).toMatchObject([
      { attempt: 2, host: 'host-b', from: 'host-a' },
    ]);
    for (const checkpoint of records(first).filter((r) => r.type === 'checkpoint')) {
      expect(checkpoint).not.toHaveProperty('snapshot');
    }
  });
});
