/**
 * `xstate-otp dashboard --journal <path>` and `xstate-otp demo --dashboard`
 * from the built package: the URL with its token is printed, the journal is
 * served read-only (405 on actions) and followed as it grows, the demo is
 * served live, and every process is gone afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionManager } from '../src/index.js';
import { waitForPidsGone } from '../src/testing/index.js';
import { ensureBuilt, type RunningCli, runCli, startCli } from './helpers/cli.js';
import { agentMachine, apiClient, openEvents, parseDashboardUrl } from './helpers/dashboard.js';

let dir: string;
let journal: string;
const started: RunningCli[] = [];

function start(args: string[]): RunningCli {
  const cli = startCli(args, { cwd: dir });
  started.push(cli);
  return cli;
}

async function urlOf(cli: RunningCli): Promise<string> {
  const line = await cli.waitForLine((l) => l.startsWith('Dashboard: '));
  return line.slice('Dashboard: '.length);
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'xstate-otp-dashboard-cli-'));
  journal = join(dir, 'journal.jsonl');
  const manager = await createSessionManager({ journal });
  manager.createSession({
    id: 'done-one',
    metadata: { title: 'Finished' },
    children: [{ id: 'agent', logic: agentMachine }],
  });
  await manager.terminateSession('done-one', 'enough');
  await manager.stop();
});

afterAll(async () => {
  for (const cli of started) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  await waitForPidsGone(started.map((cli) => cli.child.pid!));
  rmSync(dir, { recursive: true, force: true });
});

describe('xstate-otp dashboard --journal', () => {
  it('prints the URL with its token and serves the journal read-only', async () => {
    const cli = start(['dashboard', '--journal', journal, '--port', '0']);
    const url = await urlOf(cli);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    expect(cli.lines).toContain(`Read-only view of ${journal}. Ctrl-C stops it.`);
    const api = apiClient({ url });

    expect((await api.get('/api/sessions', { token: null })).status).toBe(401);
    const list = await api.get('/api/sessions');
    expect(list.body.sessions).toMatchObject([
      { id: 'done-one', state: 'cancelled', outcome: 'cancelled', reason: 'enough' },
    ]);
    const detail = await api.get('/api/sessions/done-one');
    expect(detail.body.journal.map((r: { type: string }) => r.type)).toEqual([
      'created',
      'started',
      'terminal',
    ]);
    expect(detail.body.machines[0].active).toEqual(['cancelled']);
    for (const path of [
      '/api/sessions/done-one/terminate',
      '/api/sessions/done-one/children/agent/restart',
      '/api/sessions/done-one/children/agent/terminate',
    ]) {
      const answer = await api.post(path);
      expect(answer.status).toBe(405);
      expect(answer.body.error).toBe('read_only');
    }
    const page = await api.get('/', { token: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script type="importmap">');

    cli.child.kill('SIGTERM');
    const result = await cli.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Dashboard stopped.');
    await waitForPidsGone([cli.child.pid!]);
  });

  it('follows a journal that a live host is writing', async () => {
    const live = join(dir, 'live.jsonl');
    const manager = await createSessionManager({ journal: live });
    try {
      const cli = start(['dashboard', '--journal', live]);
      const url = await urlOf(cli);
      const events = openEvents({ url });
      try {
        const reset = await events.next((m) => m.event === 'reset');
        expect(reset.data).toMatchObject({ readOnly: true, rows: [] });
        manager.createSession({ id: 'fresh', children: [{ id: 'agent', logic: agentMachine }] });
        // The host holds the journal's lock: the session is live, not interrupted.
        await events.next(
          (m) =>
            m.event === 'changes' &&
            m.data.rows.some((r: { id: string; state: string }) => r.id === 'fresh'),
          10_000,
        );
        await manager.terminateSession('fresh');
        await events.next(
          (m) =>
            m.event === 'changes' &&
            m.data.rows.some(
              (r: { id: string; state: string }) => r.id === 'fresh' && r.state === 'cancelled',
            ),
          10_000,
        );
      } finally {
        events.close();
      }
      cli.child.kill('SIGINT');
      expect((await cli.exited).code).toBe(0);
    } finally {
      await manager.stop();
    }
  });

  it('answers to the names given as --allowed-host, and refuses others (403)', async () => {
    const cli = start([
      'dashboard',
      '--journal',
      journal,
      '--port',
      '0',
      '--allowed-host',
      'proxy.test',
      '--allowed-host',
      '.corp.test',
    ]);
    const { base, token } = parseDashboardUrl(await urlOf(cli));
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${base}/api/sessions`,
          { headers: { Host: host, Authorization: `Bearer ${token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status('proxy.test')).toBe(200);
    expect(await status('east.corp.test:8443')).toBe(200);
    expect(await status('evil.test')).toBe(403);
  });

  it('exits 1 with a message for a missing journal, 2 for a bad port', async () => {
    const missing = await runCli(['dashboard', '--journal', join(dir, 'nope.jsonl')], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`No journal at ${join(dir, 'nope.jsonl')}`);
    const badPort = await runCli(['dashboard', '--port', 'http'], { cwd: dir });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("option '--port' needs a port number");
  });
});

describe('xstate-otp demo --dashboard', () => {
  it('serves the run live, prints the URL, and keeps serving it until Ctrl-C', async () => {
    const cli = start(['demo', '--fast', '--dashboard', '--port', '0']);
    const url = await urlOf(cli);
    const api = apiClient({ url });
    const events = openEvents({ url });
    try {
      // Live: the run's sessions arrive over the event stream as they start.
      await events.next(
        (m) =>
          (m.event === 'reset' || m.event === 'changes') &&
          m.data.rows.some((r: { id: string }) => r.id === 'run1-build'),
        15_000,
      );
    } finally {
      events.close();
    }
    await cli.waitForLine((line) => line.startsWith('The dashboard keeps serving this run'));
    const list = await api.get('/api/sessions?q=run1-');
    expect(list.body.total).toBe(6);
    const build = await api.get('/api/sessions/run1-build');
    expect(build.body.view.state).toBe('completed');
    expect(build.body.journal.map((r: { type: string }) => r.type)).toContain('terminal');
    expect(build.body.output.length).toBeGreaterThan(0);
    expect(build.body.output[0]).toMatchObject({ child: 'agent', stream: 'stdout' });
    cli.child.kill('SIGINT');
    const result = await cli.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No process left behind');
    await waitForPidsGone([cli.child.pid!]);
  }, 30_000);
});
