/**
 * `npm install xstate-otp` stays small: the packed package, installed from
 * its tarball into an empty folder, weighs at most 15 MB on disk with its
 * dependencies, in at most 25 packages; its entries load there, and its
 * dashboard serves the page's browser modules (Mermaid included) from the
 * package itself, with none of them installed.
 *
 * The one test that uses the network (the npm registry, for the
 * dependencies). Outside CI it is skipped, with a message, when the registry
 * cannot be reached; under `CI=true` it fails instead.
 */
import { execFile, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPidAlive } from '../src/testing/index.js';
import { ensureBuilt, repoRoot } from './helpers/cli.js';

const MAX_BYTES = 15_000_000;
const MAX_PACKAGES = 25;
const INSTALL_TIMEOUT_MS = 120_000;

/**
 * The environment of the npm commands: this run's own without the
 * `npm_*` variables `npm test` sets (its `npm_config_local_prefix` would
 * make npm install into this repository instead of the empty folder).
 */
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
);

function registryProblem(): string | undefined {
  const ping = spawnSync('npm', ['ping'], { env: npmEnv, encoding: 'utf8', timeout: 20_000 });
  if (ping.error) return `npm ping failed: ${ping.error.message}`;
  if (ping.status !== 0)
    return `npm ping exited ${ping.status}: ${ping.stderr.trim().split('\n').at(-1)}`;
  return undefined;
}

const unreachable = registryProblem();
if (unreachable !== undefined && process.env.CI !== 'true') {
  console.warn(
    `Skipping the install-size test: the npm registry cannot be reached (${unreachable}).`,
  );
}

interface Run {
  pid: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, killed (and failing) past its timeout. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: npmEnv,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed ? `timed out after ${options.timeoutMs} ms` : error.message;
          reject(new Error(`${command} ${args.join(' ')}: ${why}\n${stderr}`));
        } else {
          resolve({ pid: child.pid, stdout, stderr });
        }
      },
    );
  });
}

/** Disk usage in bytes (allocated blocks, like `du`) of a folder tree. */
function diskUsage(path: string): number {
  const stat = lstatSync(path);
  const own = stat.blocks * 512;
  if (!stat.isDirectory()) return own;
  return readdirSync(path).reduce((sum, name) => sum + diskUsage(join(path, name)), own);
}

/** Every installed package folder, nested `node_modules` included. */
function installedPackages(modules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) continue;
      if (name.startsWith('@')) {
        for (const scoped of readdirSync(join(dir, name))) visit1(join(dir, name, scoped));
      } else {
        visit1(join(dir, name));
      }
    }
  };
  const visit1 = (pkg: string) => {
    found.push(pkg);
    const nested = join(pkg, 'node_modules');
    if (readdirSync(pkg).includes('node_modules')) visit(nested);
  };
  visit(modules);
  return found;
}

/** What the installed package does in a consumer's folder: its entries load, its dashboard serves. */
const CONSUMER_SCRIPT = `
import * as main from 'xstate-otp';
import * as testing from 'xstate-otp/testing';
import * as store from 'xstate-otp/store';
import { serveDashboard } from 'xstate-otp/dashboard';

const manager = await main.createSessionManager();
const dashboard = await serveDashboard(manager);
const origin = new URL(dashboard.url).origin;
const served = {};
for (const path of ['/', '/assets/main.mjs', '/vendor/preact.mjs', '/vendor/preact-hooks.mjs', '/vendor/htm.mjs', '/vendor/mermaid.min.js']) {
  const response = await fetch(origin + path);
  const body = await response.text();
  served[path] = { status: response.status, bytes: body.length, definesMermaid: body.includes('mermaid') };
}
await dashboard.close();
await manager.stop();
console.log(JSON.stringify({
  main: Object.keys(main).length,
  testing: Object.keys(testing).length,
  store: Object.keys(store).length,
  served,
}));
`;

describe.skipIf(unreachable !== undefined && process.env.CI !== 'true')(
  'npm install xstate-otp (from the packed tarball)',
  () => {
    let dir: string;
    beforeAll(() => {
      ensureBuilt();
      dir = mkdtempSync(join(tmpdir(), 'xstate-otp-install-'));
    }, 120_000);
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it(`is at most ${MAX_BYTES / 1e6} MB and ${MAX_PACKAGES} packages, and works`, async () => {
      if (unreachable !== undefined) {
        throw new Error(`the npm registry cannot be reached (required under CI): ${unreachable}`);
      }
      const pack = await run(
        'npm',
        ['pack', '--json', '--ignore-scripts', '--pack-destination', dir],
        {
          cwd: repoRoot,
          timeoutMs: 60_000,
        },
      );
      const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];

      const app = mkdtempSync(join(dir, 'app-'));
      writeFileSync(
        join(app, 'package.json'),
        '{ "name": "app", "private": true, "type": "module" }\n',
      );
      const install = await run(
        'npm',
        ['install', join(dir, filename), '--no-audit', '--no-fund', '--prefer-offline'],
        { cwd: app, timeoutMs: INSTALL_TIMEOUT_MS },
      );

      const modules = join(app, 'node_modules');
      const packages = installedPackages(modules);
      const added = Number(/added (\d+) packages?/.exec(install.stdout)?.[1]);
      expect(added, install.stdout).toBe(packages.length);
      expect(packages.length, packages.join('\n')).toBeLessThanOrEqual(MAX_PACKAGES);
      const bytes = diskUsage(modules);
      expect(bytes, `${(bytes / 1e6).toFixed(1)} MB`).toBeLessThanOrEqual(MAX_BYTES);
      console.log(
        `install-size: ${packages.length} packages, ${(bytes / 1e6).toFixed(1)} MB on disk`,
      );

      writeFileSync(join(app, 'consumer.mjs'), CONSUMER_SCRIPT);
      const consumed = await run(process.execPath, ['consumer.mjs'], {
        cwd: app,
        timeoutMs: 30_000,
      });
      const report = JSON.parse(consumed.stdout) as {
        main: number;
        testing: number;
        store: number;
        served: Record<string, { status: number; bytes: number; definesMermaid: boolean }>;
      };
      expect(report.main).toBeGreaterThan(0);
      expect(report.testing).toBeGreaterThan(0);
      expect(report.store).toBeGreaterThan(0);
      for (const [path, { status, bytes }] of Object.entries(report.served)) {
        expect({ path, status, served: bytes > 0 }).toEqual({ path, status: 200, served: true });
      }
      expect(report.served['/vendor/mermaid.min.js']?.definesMermaid).toBe(true);
      expect(report.served['/vendor/mermaid.min.js']?.bytes).toBeGreaterThan(1_000_000);

      for (const pid of [pack.pid, install.pid, consumed.pid]) {
        expect(pid !== undefined && isPidAlive(pid)).toBe(false);
      }
    }, 240_000);
  },
);
