/**
 * The dashboard page in a real browser (Debian's chromium through
 * playwright-core): the table updates live, a session's statechart is drawn
 * and follows its machine, an action clicked in the page acts, and session
 * data is text, never markup. `UPDATE_SCREENSHOT=1` also writes the
 * screenshots in docs/. Every chromium and fixture process is checked gone.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, serveDashboard } from '../src/dashboard/index.js';
import { createSessionManager, fromProcess, type SessionManager } from '../src/index.js';
import { fixtureCommand, waitForPidsGone } from '../src/testing/index.js';
import { hasChromium, type LaunchedChromium, launchChromium } from './helpers/chromium.js';
import { agentMachine } from './helpers/dashboard.js';

const XSS_TITLE = '<img src=x onerror="window.__xss = 1">';
const XSS_NOTE = '<script>window.__xss = 2</script>';
const REASON = 'superseded by <b onclick="window.__xss = 4">build</b>';
const screenshots = process.env.UPDATE_SCREENSHOT === '1';
const docs = (name: string) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

const run = hasChromium();

let manager: SessionManager;
let dashboard: DashboardServer;
let browser: LaunchedChromium;
let page: Page;
const processPids: number[] = [];
/** Console errors and uncaught exceptions in the page: there must be none (CSP violations included). */
const pageProblems: string[] = [];

function agentSession(id: string, metadata?: Record<string, unknown>) {
  return manager.createSession({
    id,
    ...(metadata ? { metadata } : {}),
    children: [{ id: 'agent', logic: agentMachine }],
  });
}

/** The ids of the statechart nodes highlighted as active, for one machine. */
function activeNodes(machine: string): Promise<string[]> {
  return page.evaluate(
    (name) =>
      Array.from(
        document.querySelectorAll(`.statechart[data-machine="${name}"] g.active-state`),
        (node) => node.id,
      ),
    machine,
  );
}

describe.runIf(run)('the dashboard page in chromium', () => {
  beforeAll(async () => {
    manager = await createSessionManager({ hostId: 'host-1' });
    agentSession('fix-login', { title: 'Fix the login redirect', ticket: 42 });
    agentSession('xss', { title: XSS_TITLE, note: XSS_NOTE });
    manager.createSession({
      id: 'build',
      metadata: { title: 'Build and test' },
      children: [
        { id: 'agent', logic: agentMachine },
        {
          id: 'tests',
          logic: fromProcess(),
          input: fixtureCommand({
            mode: 'hang',
            stdout: ['✓ 214 tests passed', '<img src=x onerror="window.__xss = 3">'],
            stderr: 'warning: 1 snapshot obsolete',
          }),
        },
      ],
    });
    await manager.terminateSession('fix-login', REASON);
    // A completed session and a failed one, for the table and the screenshot.
    const docs = manager.createSession({
      id: 'docs-update',
      metadata: { title: 'Update the API docs' },
      autoShutdown: 'any_significant',
      children: [{ id: 'agent', logic: agentMachine, restart: 'transient', significant: true }],
    });
    manager.getChild('docs-update', 'agent')!.send({ type: 'GO' });
    manager.getChild('docs-update', 'agent')!.send({ type: 'FINISH' });
    await docs.done;
    const broken = manager.createSession({
      id: 'broken-env',
      metadata: { title: 'Reproduce the CI failure' },
      intensity: 0,
      children: [{ id: 'agent', logic: agentMachine }],
    });
    manager.getChild('broken-env', 'agent')!.send({ type: 'CRASH' });
    await broken.done;
    agentSession('flaky-agent', { title: 'Retry the flaky migration' });
    dashboard = await serveDashboard(manager, { port: 0, sampleMs: 200 });
    // Two restarts while the dashboard watches: they show in the restarts chart.
    for (let i = 0; i < 2; i++) manager.getChild('flaky-agent', 'agent')!.send({ type: 'CRASH' });
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
    const tests = manager?.getChild('build', 'tests');
    const pid = (tests?.getSnapshot().context as { pid?: number } | undefined)?.pid;
    if (pid) processPids.push(pid);
    await manager?.stop();
    await waitForPidsGone(processPids);
  });

  it('shows the sessions, and a new one appears with no reload', async () => {
    await page.goto(dashboard.url);
    await page.locator('tr[data-session="build"]').waitFor();
    await expect(page.locator('tr.row').count()).resolves.toBe(6);
    await expect(
      page.locator('tr[data-session="flaky-agent"] td[data-col="restarts"]').textContent(),
    ).resolves.toBe('2');
    await expect(page.locator('tr[data-session="broken-env"] .state').textContent()).resolves.toBe(
      'failed',
    );
    await page.evaluate(() => {
      (window as { __sameDocument?: boolean }).__sameDocument = true;
    });
    agentSession('late-arrival', { title: 'Came in later' });
    await page.locator('tr[data-session="late-arrival"]').waitFor();
    const row = page.locator('tr[data-session="late-arrival"]');
    await expect(row.locator('.state').textContent()).resolves.toBe('running');
    await expect(row.locator('.title').textContent()).resolves.toBe('Came in later');
    // Same document: the row came over the event stream, not a reload.
    await expect(
      page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument),
    ).resolves.toBe(true);
    // Newest first.
    await expect(page.locator('tr.row').first().getAttribute('data-session')).resolves.toBe(
      'late-arrival',
    );
  });

  it('filters by state and searches by id', async () => {
    await page.locator('select[name="state"]').selectOption('cancelled');
    await page.locator('.count[data-count="1"]').waitFor();
    await expect(page.locator('tr.row').getAttribute('data-session')).resolves.toBe('fix-login');
    await page.locator('select[name="state"]').selectOption('');
    await page.locator('input[name="search"]').fill('xs');
    await page.locator('.count[data-count="1"]').waitFor();
    await expect(page.locator('tr.row').getAttribute('data-session')).resolves.toBe('xss');
    await page.locator('input[name="search"]').fill('');
    await page.locator('.count[data-count="7"]').waitFor();
  });

  it('shows what a session supplies as text, and runs none of it', async () => {
    const title = page.locator('tr[data-session="xss"] .title');
    await expect(title.textContent()).resolves.toBe(XSS_TITLE);
    await page.locator('tr[data-session="xss"] a').click();
    await page.locator('main.session[data-session="xss"]').waitFor();
    await page.locator('details.metadata summary').click();
    await expect(page.locator('details.metadata pre').textContent()).resolves.toContain(XSS_NOTE);
    await expect(page.locator('.fields').textContent()).resolves.toContain(XSS_TITLE);
    expect(await page.evaluate(() => document.querySelectorAll('img, main script').length)).toBe(0);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
    await page.goBack();
    // A reason is session data too.
    await page.locator('tr[data-session="fix-login"] a').click();
    await page.locator('main.session[data-session="fix-login"]').waitFor();
    await expect(page.locator('.fields').textContent()).resolves.toContain(REASON);
    expect(await page.evaluate(() => document.querySelectorAll('main b').length)).toBe(0);
    await page.goBack();
  });

  it("draws a session's statecharts and moves the highlight as its child gets events", async () => {
    await page.locator('tr[data-session="build"] a').click();
    await page.locator('main.session[data-session="build"]').waitFor();
    const agentChart = page.locator('.statechart[data-machine="agent"] .diagram[data-drawn] svg');
    await agentChart.waitFor();
    const labels = await agentChart.textContent();
    for (const state of ['idle', 'working', 'done']) expect(labels).toContain(state);
    await page.locator('.statechart[data-machine="session"] .diagram[data-drawn] svg').waitFor();
    await page.locator('.statechart[data-machine="tests"] .diagram[data-drawn] svg').waitFor();

    await page.waitForFunction(() =>
      Array.from(
        document.querySelectorAll('.statechart[data-machine="agent"] g.active-state'),
      ).some((node) => /-state-idle-\d+$/.test(node.id)),
    );
    manager.getChild('build', 'agent')!.send({ type: 'GO' });
    await page.waitForFunction(() =>
      Array.from(
        document.querySelectorAll('.statechart[data-machine="agent"] g.active-state'),
      ).some((node) => /-state-working-\d+$/.test(node.id)),
    );
    expect((await activeNodes('agent')).some((id) => /-state-idle-/.test(id))).toBe(false);
    // The event that moved it is in the recent events.
    await page.locator('table.events tr[data-event="GO"]').waitFor();
    // Process output streams in as text.
    await page.locator('pre.output .line', { hasText: '214 tests passed' }).waitFor();
    await expect(page.locator('pre.output').textContent()).resolves.toContain(
      '<img src=x onerror="window.__xss = 3">',
    );
    expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0);

    if (screenshots) {
      await page.screenshot({ path: docs('dashboard-session.png'), fullPage: true });
      await page.goBack();
      await page.locator('tr[data-session="build"]').waitFor();
      // Two chart samples at least, so the lines have a length.
      await page.locator('.chart[data-chart="states"] polyline').first().waitFor();
      await page.screenshot({ path: docs('dashboard.png') });
      await page.goForward();
    }
  });

  it("counts down a child's restart backoff in the tree", async () => {
    manager.createSession({
      id: 'backing-off',
      intensity: 5,
      children: [
        { id: 'agent', logic: agentMachine, backoff: { minMs: 60_000, maxMs: 60_000, jitter: 0 } },
      ],
    });
    manager.getChild('backing-off', 'agent')!.send({ type: 'CRASH' });
    await page.goto(`${dashboard.url}&session=backing-off`);
    const node = page.locator('[data-node="agent"]');
    await node.locator('.status-restarting').waitFor();
    const text = (await node.locator('.backoff').textContent()) ?? '';
    expect(text).toMatch(/^restart in \d+\.\ds$/);
    // Counting down from a minute: whatever the machine's speed, well above zero.
    const left = Number(/[\d.]+/.exec(text)![0]);
    expect(left).toBeGreaterThan(30);
    expect(left).toBeLessThanOrEqual(60);
    await manager.terminateSession('backing-off');
    await page.goto(`${dashboard.url}&session=build`);
  });

  it('a child restarted from the page starts again; a session terminated from the page ends', async () => {
    await page.locator('main.session[data-session="build"]').waitFor();
    const before = manager.getChild('build', 'agent');
    await page.locator('[data-node="agent"] button[data-action="restart"]').click();
    await page.locator('.dialog [data-confirm]').click();
    await page.locator('.dialog').waitFor({ state: 'detached' });
    const after = manager.getChild('build', 'agent');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(after!.getSnapshot().value).toBe('idle');

    const tests = manager.getChild('build', 'tests')!;
    const testsPid = (tests.getSnapshot().context as { pid: number }).pid;
    processPids.push(testsPid);
    // Cancel does nothing.
    await page.locator('button[data-action="terminate-session"]').click();
    await expect(page.locator('.dialog h2').textContent()).resolves.toBe(
      'Terminate session "build"?',
    );
    await page.locator('.dialog button', { hasText: 'Cancel' }).click();
    await page.locator('.dialog').waitFor({ state: 'detached' });
    expect(manager.getSession('build')?.state).toBe('running');
    // Confirmed, it ends the session, and the page shows it.
    await page.locator('button[data-action="terminate-session"]').click();
    await page.locator('.dialog [data-confirm]').click();
    await page.locator('.dialog').waitFor({ state: 'detached' });
    expect(manager.getSession('build')).toMatchObject({
      state: 'cancelled',
      reason: 'terminated from the dashboard',
    });
    await page.locator('main.session h1 .state-cancelled').waitFor();
    await expect(page.locator('button[data-action="terminate-session"]').count()).resolves.toBe(0);
    await waitForPidsGone([testsPid]);
    expect(pageProblems).toEqual([]);
  });
});
