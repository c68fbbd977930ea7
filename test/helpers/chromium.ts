/**
 * A real browser for the dashboard tests: Debian's chromium driven by
 * playwright-core, with a fresh profile, and every process it started
 * accounted for.
 *
 * ```ts
 * const chromium = chromiumOrSkip();            // undefined (test skipped) without /usr/bin/chromium, outside CI
 * const browser = await launchChromium();
 * const page = await browser.context.newPage();
 * await browser.close();                        // then waits until every chromium pid is gone
 * ```
 *
 * Without `/usr/bin/chromium` the browser tests are skipped with a message,
 * except under `CI=true`, where they fail: CI must run them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { readProcessTable } from '../../src/process/procfs.js';
import { waitForPidsGone } from '../../src/testing/index.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the browser tests can run; logs why not, and throws under CI. */
export function hasChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `${CHROMIUM_PATH} is missing: CI must run the browser tests (apt-get install chromium).`,
    );
  }
  console.warn(
    `Skipping the dashboard browser tests: ${CHROMIUM_PATH} is missing (apt-get install chromium).`,
  );
  return false;
}

export interface LaunchedChromium {
  context: BrowserContext;
  /** Every process of this browser right now: the browser and its descendants. */
  pids(): number[];
  /** Closes the browser, then waits until every pid it ever showed is gone. */
  close(): Promise<void>;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

export async function launchChromium(): Promise<LaunchedChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'xstate-otp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
  });
  const seen = new Set<number>();
  const pids = () => {
    const table = readProcessTable([], { parents: true }) ?? [];
    const children = new Map<number, number[]>();
    for (const { pid, ppid } of table) {
      if (ppid === undefined) continue;
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    }
    // The browser: our child whose command line names this profile.
    const roots = (children.get(process.pid) ?? []).filter((pid) => cmdline(pid).includes(profile));
    const found: number[] = [];
    const visit = (pid: number) => {
      found.push(pid);
      for (const child of children.get(pid) ?? []) visit(child);
    };
    for (const root of roots) visit(root);
    for (const pid of found) seen.add(pid);
    return found;
  };
  if (pids().length === 0) throw new Error('No chromium process found after launch.');
  return {
    context,
    pids,
    async close() {
      pids();
      await context.close();
      await waitForPidsGone(seen, { timeoutMs: 10_000 });
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
