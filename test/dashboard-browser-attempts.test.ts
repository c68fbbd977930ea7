/**
 * A resumed durable session in a real browser: the table's Attempt column
 * (blank for a session that is not durable), the session page's Attempt
 * field, its `resumed` record in words, and its checkpoints one row per run.
 * Every chromium process is checked gone (`browser.close()`); the sessions
 * here run no processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, serveDashboard } from '../src/dashboard/index.js';
import type { JournalRecord, SessionManager } from '../src/index.js';
import { hasChromium, type LaunchedChromium, launchChromium } from './helpers/chromium.js';
import { agentMachine } from './helpers/dashboard.js';
import { resumedOnSecondHost } from './helpers/durable.js';

const run = hasChromium();

let dir: string;
let manager: SessionManager;
let dashboard: DashboardServer;
let browser: LaunchedChromium;
let page: Page;
const pageProblems: string[] = [];

/** The journal table's checkpoint rows: how many records each one stands for. */
const checkpointRuns = () =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('table.journal tr[data-record="checkpoint"]'), (row) =>
      Number(row.getAttribute('data-count')),
    ),
  );

describe.runIf(run)('a resumed session in chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xotp-browser-attempts-'));
    manager = await resumedOnSecondHost(join(dir, 'journal.jsonl'));
    for (let i = 0; i < 3; i++) await manager.send('resumed', 'counter', { type: 'INC' });
    manager.createSession({ id: 'plain', children: [{ id: 'agent', logic: agentMachine }] });
    dashboard = await serveDashboard(manager, { port: 0 });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(message.text());
    });
    page.on('pageerror', (error) => pageProblems.push(error.message));
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await manager?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the table shows the attempt of a durable session, and nothing for one that is not durable', async () => {
    await page.goto(dashboard.url);
    await page.locator('tr[data-session="plain"]').waitFor();
    const attempt = (id: string) =>
      page.locator(`tr[data-session="${id}"] td[data-col="attempt"]`).textContent();
    await expect(attempt('resumed')).resolves.toBe('2');
    await expect(attempt('plain')).resolves.toBe('');
    await expect(page.locator('thead th', { hasText: 'Attempt' }).count()).resolves.toBe(1);
  });

  it('the session page says where it was resumed from, shows the resumed record in words and each run of checkpoints as one row', async () => {
    await page.locator('tr[data-session="resumed"] a').click();
    await page.locator('main.session[data-session="resumed"]').waitFor();
    await expect(
      page.locator('.field', { hasText: 'Attempt' }).locator('dd').textContent(),
    ).resolves.toBe('2 (resumed from host-a)');
    const resumed = page.locator('table.journal tr[data-record="resumed"]');
    await expect(resumed.locator('td.data').textContent()).resolves.toBe(
      'attempt 2 on host-b, from host-a',
    );

    // Two runs of checkpoints, one per attempt, standing for every checkpoint record.
    const records = (await manager.records('resumed')) as JournalRecord[];
    const checkpoints = records.filter((record) => record.type === 'checkpoint').length;
    const runs = await checkpointRuns();
    expect(runs).toHaveLength(2);
    expect(runs.reduce((sum, count) => sum + count, 0)).toBe(checkpoints);
    const types = await page.evaluate(() =>
      Array.from(document.querySelectorAll('table.journal tbody tr'), (row) =>
        row.getAttribute('data-record'),
      ),
    );
    expect(types).toEqual(['created', 'started', 'checkpoint', 'resumed', 'started', 'checkpoint']);
    await expect(
      page.locator('table.journal tr[data-record="checkpoint"] td.data').last().textContent(),
    ).resolves.toMatch(/^counter: counting \(\d+ checkpoints\)$/);

    // A new checkpoint joins the last run, live.
    const before = runs[1]!;
    await manager.send('resumed', 'counter', { type: 'INC' });
    await page.waitForFunction(
      (count) =>
        Array.from(document.querySelectorAll('table.journal tr[data-record="checkpoint"]'))
          .at(-1)
          ?.getAttribute('data-count') === String(count),
      before + 1,
    );
    expect(await checkpointRuns()).toHaveLength(2);
    expect(pageProblems).toEqual([]);
  });
});
