/**
 * Statecharts and fields a person can read, in a real browser (chromium through
 * playwright-core): the largest machine the runtime ships (the session
 * machine) is drawn with labels of at least `MIN_LABEL_PX` on screen at its
 * default size, measured as the label's computed font size times the SVG's
 * scale (not a screenshot diff); its active state is scrolled into view;
 * zoom, fit-to-width and actual size work. Long fields (a 60 KiB title)
 * are shown shortened, and whole on request.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, serveDashboard } from '../src/dashboard/index.js';
import { MIN_LABEL_PX } from '../src/dashboard/page/chartView.mjs';
import { createSessionManager, type SessionManager } from '../src/index.js';
import { hasChromium, type LaunchedChromium, launchChromium } from './helpers/chromium.js';
import { agentMachine } from './helpers/dashboard.js';

const run = hasChromium();
/** 60 KiB: under the metadata limit, far over what a field shows. */
const LONG_TITLE = `${'A long title. '.repeat(4388)}The end.`;

let manager: SessionManager;
let dashboard: DashboardServer;
let browser: LaunchedChromium;
let page: Page;

interface ChartMeasure {
  scale: number;
  svgWidth: number;
  containerWidth: number;
  /** Each label's on-screen size: computed font px × its scale to the screen. */
  labelPx: { text: string; px: number }[];
  /** The innermost active node lies inside the chart's visible box. */
  activeInView: boolean;
  activeCount: number;
}

/** Measures one drawn chart in the page. */
function measure(machine: string): Promise<ChartMeasure> {
  return page.evaluate((name) => {
    const figure = document.querySelector(`.statechart[data-machine="${name}"]`)!;
    const container = figure.querySelector('.diagram') as HTMLElement;
    const svg = container.querySelector('svg')!;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const labels = Array.from(svg.querySelectorAll('.nodeLabel, g.label text, text')).filter(
      (label) => (label.textContent ?? '').trim() !== '',
    );
    // The label's own transform to the screen (viewBox scaling, letterboxing, group transforms):
    // an HTML label's is its foreignObject's.
    const labelPx = labels.map((label) => {
      const graphic = (
        label instanceof SVGGraphicsElement ? label : label.closest('foreignObject')
      ) as SVGGraphicsElement | null;
      const ctm = graphic?.getScreenCTM();
      const onScreen = ctm ? Math.hypot(ctm.a, ctm.b) : scale;
      return {
        text: (label.textContent ?? '').trim(),
        px: Number.parseFloat(getComputedStyle(label).fontSize) * onScreen,
      };
    });
    const active = Array.from(svg.querySelectorAll('g.active-state'));
    const innermost = active[active.length - 1];
    let activeInView = false;
    if (innermost) {
      const outer = container.getBoundingClientRect();
      const inner = innermost.getBoundingClientRect();
      activeInView =
        inner.left >= outer.left - 1 &&
        inner.right <= outer.right + 1 &&
        inner.top >= outer.top - 1 &&
        inner.bottom <= outer.bottom + 1;
    }
    return {
      scale,
      svgWidth: svg.getBoundingClientRect().width,
      containerWidth: container.clientWidth,
      labelPx,
      activeInView,
      activeCount: active.length,
    };
  }, machine);
}

describe.runIf(run)('statecharts in chromium', () => {
  beforeAll(async () => {
    manager = await createSessionManager({ hostId: 'host-1' });
    manager.createSession({
      id: 'readable',
      metadata: { title: 'A session to read' },
      children: [{ id: 'agent', logic: agentMachine }],
    });
    manager.createSession({
      id: 'wordy',
      metadata: { title: LONG_TITLE },
      children: [{ id: 'agent', logic: agentMachine }],
    });
    dashboard = await serveDashboard(manager, { port: 0 });
    browser = await launchChromium();
    page = await browser.context.newPage();
    // The page width the complaint was made at.
    await page.setViewportSize({ width: 1400, height: 900 });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await manager?.stop();
  });

  it(`draws the session machine with every label at least ${MIN_LABEL_PX} px on screen, its active state in view`, async () => {
    await page.goto(`${dashboard.url}&session=readable`);
    await page.locator('.statechart[data-machine="session"] .diagram[data-drawn] svg').waitFor();
    await page.locator('.statechart[data-machine="session"] g.active-state').first().waitFor();
    const session = await measure('session');
    expect(session.labelPx.length).toBeGreaterThan(5);
    const smallest = Math.min(...session.labelPx.map((label) => label.px));
    expect(smallest, JSON.stringify(session.labelPx.slice(0, 5))).toBeGreaterThanOrEqual(
      MIN_LABEL_PX - 0.01,
    );
    expect(session.activeCount).toBeGreaterThan(0);
    expect(session.activeInView).toBe(true);
    // A small machine fits the width at full size: no zooming needed to read it.
    const agent = await measure('agent');
    expect(agent.svgWidth).toBeLessThanOrEqual(agent.containerWidth + 1);
    expect(Math.min(...agent.labelPx.map((label) => label.px))).toBeGreaterThanOrEqual(
      MIN_LABEL_PX - 0.01,
    );
  });

  it('zooms in and out, fits the width, and returns to actual size', async () => {
    const chart = page.locator('.statechart[data-machine="session"]');
    const scaleOf = async () => Number(await chart.locator('.diagram').getAttribute('data-scale'));
    const start = await scaleOf();
    await chart.locator('button[data-zoom="in"]').click();
    expect(await scaleOf()).toBeCloseTo(start * 1.25, 2);
    await chart.locator('button[data-zoom="out"]').click();
    await chart.locator('button[data-zoom="out"]').click();
    expect(await scaleOf()).toBeCloseTo(start / 1.25, 2);
    await chart.locator('button[data-zoom="fit"]').click();
    const fitted = await measure('session');
    expect(fitted.svgWidth).toBeLessThanOrEqual(fitted.containerWidth);
    expect(fitted.svgWidth).toBeGreaterThan(fitted.containerWidth * 0.9);
    await chart.locator('button[data-zoom="actual"]').click();
    expect(await scaleOf()).toBe(1);
    await expect(chart.locator('.zoom .scale').textContent()).resolves.toBe('100%');
    // Ctrl + wheel zooms too.
    const box = (await chart.locator('.diagram').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -300);
    await page.keyboard.up('Control');
    await page.waitForFunction(
      () =>
        Number(
          document
            .querySelector('.statechart[data-machine="session"] .diagram')
            ?.getAttribute('data-scale'),
        ) > 1,
    );
  });

  it('pans by dragging', async () => {
    const diagram = page.locator('.statechart[data-machine="session"] .diagram');
    const scroll = () => diagram.evaluate((el) => [el.scrollLeft, el.scrollTop]);
    const box = (await diagram.boundingBox())!;
    const before = await scroll();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 - 60, { steps: 4 });
    await page.mouse.up();
    const after = await scroll();
    expect(after[0]! - before[0]! + (after[1]! - before[1]!)).toBeGreaterThan(0);
  });

  it('shows a long title shortened, with a button that shows it whole', async () => {
    await page.goto(`${dashboard.url}&session=wordy`);
    const title = page.locator('.fields .long-text').first();
    await title.waitFor();
    // The stream cut it; the page shows the first 300 characters and says how long it is.
    await expect(title.getAttribute('data-length')).resolves.toBe(String(LONG_TITLE.length));
    const shown = (await title.textContent()) ?? '';
    expect(shown.length).toBeLessThan(400);
    expect(shown).toContain(`Show all ${LONG_TITLE.length.toLocaleString('en')} characters`);
    await title.locator('button[data-action="show-all"]').click();
    const whole = page.locator('.fields .long-text.whole').first();
    await whole.waitFor();
    expect(((await whole.textContent()) ?? '').includes(LONG_TITLE)).toBe(true);
  });
});
