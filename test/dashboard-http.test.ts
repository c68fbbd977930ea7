/**
 * The dashboard's HTTP API and event stream against a live session manager:
 * the token on every request, the list, a session's detail, actions by POST
 * only, the SSE feed, and no CORS headers anywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { DashboardError } from '../src/dashboard/dashboardError.js';
import { type DashboardServer, openJournalSource, serveDashboard } from '../src/dashboard/index.js';
import { createSessionManager, fromProcess, type SessionManager } from '../src/index.js';
import { fixtureCommand, waitForPidsGone, watchProcess } from '../src/testing/index.js';
import { agentMachine, apiClient, openEvents } from './helpers/dashboard.js';

let manager: SessionManager;
let dashboard: DashboardServer;

const agentSession = (id: string, metadata?: Record<string, unknown>) =>
  manager.createSession({
    id,
    ...(metadata ? { metadata } : {}),
    children: [{ id: 'agent', logic: agentMachine }],
  });

beforeEach(async () => {
  manager = await createSessionManager();
  dashboard = await serveDashboard(manager, { port: 0 });
});
afterEach(async () => {
  await dashboard.close();
  await manager.stop();
});

describe('the token', () => {
  it('is random, at least 128 bits, in the URL fragment, on loopback', () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    expect(dashboard.host).toBe('127.0.0.1');
  });

  it('401 without it or with a wrong one, on every API path; the query token is for events only', async () => {
    agentSession('a');
    const api = apiClient(dashboard);
    const paths = [
      ['GET', '/api/sessions'],
      ['GET', '/api/sessions/a'],
      ['GET', '/api/sessions/nope'],
      ['GET', '/api/events'],
      ['POST', '/api/sessions/a/terminate'],
      ['POST', '/api/sessions/a/children/agent/restart'],
      ['GET', '/api/whatever'],
    ] as const;
    for (const [method, path] of paths) {
      for (const token of [null, 'x'.repeat(43), `${api.token}x`]) {
        const answer = await api.send(method, path, { token });
        expect(answer.status, `${method} ${path} with ${token}`).toBe(401);
        expect(answer.body.error).toBe('unauthorized');
      }
    }
    const viaQuery = await api.get(`/api/sessions?token=${api.token}`, { token: null });
    expect(viaQuery.status).toBe(401);
    const wrongEvents = openEvents({ url: dashboard.url.replace(/token=.*/, 'token=nope') });
    expect(await wrongEvents.status).toBe(401);
    wrongEvents.close();
    expect(manager.getSession('a')?.state).toBe('running');
  });

  it('rejects a weak token of its own with DashboardError invalid_option', async () => {
    await expect(serveDashboard(manager, { token: 'short' })).rejects.toMatchObject({
      code: 'invalid_option',
    });
    await expect(serveDashboard(manager, { port: 70_000 })).rejects.toBeInstanceOf(DashboardError);
  });
});

describe('reading', () => {
  it('lists sessions in created order, filtered by state and searched by id or title', async () => {
    agentSession('alpha', { title: 'Fix the <b>bug</b>' });
    agentSession('beta');
    await manager.terminateSession('beta');
    agentSession('gamma');
    const api = apiClient(dashboard);
    const all = await api.get('/api/sessions');
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(all.body.total).toBe(3);
    expect(all.body.sessions.map((s: { id: string }) => s.id)).toEqual(['alpha', 'beta', 'gamma']);
    expect(all.body.sessions[0]).toMatchObject({
      id: 'alpha',
      state: 'running',
      metadata: { title: 'Fix the <b>bug</b>' },
      children: [{ id: 'agent', status: 'running' }],
    });
    const cancelled = await api.get('/api/sessions?state=cancelled');
    expect(cancelled.body.sessions.map((s: { id: string }) => s.id)).toEqual(['beta']);
    const searched = await api.get('/api/sessions?q=BUG');
    expect(searched.body.sessions.map((s: { id: string }) => s.id)).toEqual(['alpha']);
    const page = await api.get('/api/sessions?offset=1&limit=1');
    expect(page.body).toMatchObject({ total: 3, sessions: [{ id: 'beta' }] });
  });

  it('a bad list query is 400 invalid_option, naming the parameter', async () => {
    agentSession('alpha');
    const api = apiClient(dashboard);
    for (const [query, message] of [
      ['limit=abc', /"limit" must be an integer >= 0; got "abc"\./],
      ['limit=-1', /"limit" must be an integer/],
      ['offset=1e309', /"offset" must be an integer/],
      ['state=bogus', /"state" takes starting, running, .*; got "bogus"\./],
      ['state=running,nope', /got "nope"/],
    ] as const) {
      const answer = await api.get(`/api/sessions?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body).toMatchObject({
        error: 'invalid_option',
        message: expect.stringMatching(message),
      });
    }
  });

  it('a request target that is not a URL is 400, and the server (and its host) go on', async () => {
    const { port } = new URL(dashboard.url);
    const status = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('GET http://[bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      let reply = '';
      socket.on('data', (chunk) => {
        reply += chunk;
      });
      socket.on('close', () => resolve(reply.split('\r\n')[0]!));
      socket.on('error', reject);
    });
    expect(status).toBe('HTTP/1.1 400 Bad Request');
    agentSession('after');
    expect((await apiClient(dashboard).get('/api/sessions')).body.total).toBe(1);
  });

  it("gives a session's view, tree, Mermaid statecharts with the active state, and output", async () => {
    const printer = fixtureCommand({ mode: 'hang', stdout: ['hello <b>', 'second line'] });
    manager.createSession({
      id: 's1',
      metadata: { title: 'two children' },
      children: [
        { id: 'agent', logic: agentMachine },
        { id: 'shell', logic: fromProcess(), input: printer },
      ],
    });
    const shell = manager.getChild('s1', 'shell')!;
    const watch = watchProcess(shell);
    await watch.waitForLine((line) => line === 'second line');
    const pid = (shell.getSnapshot().context as { pid: number }).pid;
    manager.getChild('s1', 'agent')!.send({ type: 'GO' });

    const api = apiClient(dashboard);
    const { status, body } = await api.get('/api/sessions/s1');
    expect(status).toBe(200);
    expect(body.view).toMatchObject({
      id: 's1',
      state: 'running',
      metadata: { title: 'two children' },
    });
    expect(body.local).toBe(true);
    // The tree: the session (its own supervisor) → the two children, with status and restarts.
    expect(body.tree).toMatchObject({ id: 's1', kind: 'session', status: 'running' });
    expect(body.tree.key).toBe('session_supervisor:s1');
    expect(body.tree.children).toMatchObject([
      { id: 'agent', status: 'running', restarts: 0, state: 'working' },
      { id: 'shell', kind: 'process', status: 'running', pid },
    ]);
    // The statechart of the session, and each child machine with its active state.
    expect(body.statechart).toMatch(/^stateDiagram-v2\n/);
    const agent = body.machines.find((m: { id: string }) => m.id === 'agent');
    expect(agent.statechart).toContain('state "working" as working');
    expect(agent.active).toEqual(['working']);
    expect(agent.state).toBe('working');
    const session = body.machines.find((m: { id: string }) => m.id === 'session');
    expect(session.active.length).toBeGreaterThan(0);
    expect(body.machines.map((m: { id: string }) => m.id)).toEqual(['session', 'agent', 'shell']);
    // Output tails, as printed: text, not markup.
    expect(body.output.map((l: { line: string }) => l.line)).toEqual(['hello <b>', 'second line']);
    expect(body.output[0]).toMatchObject({ child: 'shell', stream: 'stdout' });
    // The session's records, read back from the manager's store.
    expect(body.journal.map((r: { type: string }) => r.type)).toEqual(['created', 'started']);
    expect(body.journal[0]).toMatchObject({ sessionId: 's1', metadata: { title: 'two children' } });

    await manager.stop();
    await waitForPidsGone([pid]);
  });

  it("shows a child's restart backoff: when it starts again, on the manager's clock", async () => {
    const clock = new SimulatedClock();
    clock.set(1_000);
    const timed = await createSessionManager({ clock });
    const view = await serveDashboard(timed, { port: 0 });
    try {
      timed.createSession({
        id: 'b',
        intensity: 5,
        children: [
          {
            id: 'agent',
            logic: agentMachine,
            backoff: { minMs: 5_000, maxMs: 5_000, jitter: 0 },
          },
        ],
      });
      timed.getChild('b', 'agent')!.send({ type: 'CRASH' });
      const api = apiClient(view);
      const waiting = (await api.get('/api/sessions/b')).body;
      expect(waiting.tree.children[0]).toMatchObject({
        id: 'agent',
        status: 'restarting',
        nextRestartAt: 6_000,
      });
      expect(waiting.now).toBe(1_000);
      clock.increment(5_000);
      const restarted = (await api.get('/api/sessions/b')).body;
      expect(restarted.tree.children[0]).toMatchObject({
        id: 'agent',
        status: 'running',
        restarts: 1,
      });
      expect(restarted.tree.children[0].nextRestartAt).toBeUndefined();
      expect(restarted.now).toBe(6_000);
    } finally {
      await view.close();
      await timed.stop();
    }
  });

  it('404 for an unknown session, on the detail and on its event stream', async () => {
    const api = apiClient(dashboard);
    const detail = await api.get('/api/sessions/nope');
    expect(detail.status).toBe(404);
    expect(detail.body.error).toBe('not_found');
    const events = openEvents(dashboard, '&session=nope');
    expect(await events.status).toBe(404);
    events.close();
    expect((await api.post('/api/sessions/nope/terminate')).status).toBe(404);
    agentSession('a');
    expect((await api.post('/api/sessions/a/children/ghost/terminate')).status).toBe(404);
  });
});

describe('actions', () => {
  it('a GET on an action path is 405 and does nothing', async () => {
    agentSession('a');
    const agent = manager.getChild('a', 'agent');
    const api = apiClient(dashboard);
    for (const path of [
      '/api/sessions/a/terminate',
      '/api/sessions/a/children/agent/restart',
      '/api/sessions/a/children/agent/terminate',
    ]) {
      const answer = await api.get(path);
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('POST');
    }
    expect(manager.getSession('a')?.state).toBe('running');
    expect(manager.getChild('a', 'agent')).toBe(agent);
  });

  it('terminate ends the session with the reason given', async () => {
    agentSession('a');
    const api = apiClient(dashboard);
    const answer = await api.post('/api/sessions/a/terminate', { reason: 'from a test' });
    expect(answer.status).toBe(200);
    expect(answer.body.record).toMatchObject({
      sessionId: 'a',
      outcome: 'cancelled',
      reason: 'from a test',
    });
    expect(manager.getSession('a')).toMatchObject({ state: 'cancelled', reason: 'from a test' });
    const again = await api.post('/api/sessions/a/terminate');
    expect(again.body.record.reason).toBe('from a test');
  });

  it('restart starts a new child from its spec; terminate stops it and keeps its spec', async () => {
    agentSession('a');
    const before = manager.getChild('a', 'agent')!;
    before.send({ type: 'GO' });
    const api = apiClient(dashboard);
    expect((await api.post('/api/sessions/a/children/agent/restart')).status).toBe(200);
    const after = manager.getChild('a', 'agent')!;
    expect(after).not.toBe(before);
    expect(before.getSnapshot().status).toBe('stopped');
    expect(after.getSnapshot().value).toBe('idle');
    // An admin restart, not a crash: it counts toward neither restarts nor intensity.
    expect(manager.getSession('a')?.restarts).toBe(0);

    expect((await api.post('/api/sessions/a/children/agent/terminate')).status).toBe(200);
    expect(manager.getChild('a', 'agent')).toBeUndefined();
    expect(manager.getSession('a')?.children).toEqual([{ id: 'agent', status: 'stopped' }]);
    // A stopped child restarts as it is.
    expect((await api.post('/api/sessions/a/children/agent/restart')).status).toBe(200);
    expect(manager.getSession('a')?.children).toEqual([{ id: 'agent', status: 'running' }]);
  });

  it('a child of an ended session is a conflict (409)', async () => {
    agentSession('a');
    await manager.terminateSession('a');
    const answer = await apiClient(dashboard).post('/api/sessions/a/children/agent/restart');
    expect(answer.status).toBe(409);
    expect(answer.body.error).toBe('conflict');
  });

  it('a read-only journal view answers 405 to every action', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xstate-otp-dashboard-'));
    const path = join(dir, 'journal.jsonl');
    const journaled = await createSessionManager({ journal: path });
    journaled.createSession({ id: 'j1', children: [{ id: 'agent', logic: agentMachine }] });
    journaled.createSession({ id: 'j2', children: [{ id: 'agent', logic: agentMachine }] });
    // Its terminal record is durable once this resolves, and j1's `created` was appended before it.
    await journaled.terminateSession('j2');
    const source = await openJournalSource(path);
    const view = await serveDashboard(source, { port: 0 });
    try {
      const api = apiClient(view);
      expect(view.readOnly).toBe(true);
      const list = await api.get('/api/sessions');
      // Its host holds the journal: j1 is live (`starting` or `running`, as journaled so far).
      expect(list.body.sessions).toMatchObject([{ id: 'j1' }, { id: 'j2', state: 'cancelled' }]);
      expect(['starting', 'running']).toContain(list.body.sessions[0].state);
      for (const path of [
        '/api/sessions/j1/terminate',
        '/api/sessions/j1/children/agent/restart',
        '/api/sessions/j1/children/agent/terminate',
        '/api/sessions/unknown/terminate',
      ]) {
        const answer = await api.post(path);
        expect(answer.status).toBe(405);
        expect(answer.body.error).toBe('read_only');
      }
      expect(journaled.getSession('j1')?.state).toBe('running');
    } finally {
      await view.close();
      source.close();
      await journaled.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the event stream', () => {
  it('starts with the whole table, then sends a change when a session is created', async () => {
    agentSession('first');
    const events = openEvents(dashboard);
    try {
      expect(await events.status).toBe(200);
      const reset = await events.next((m) => m.event === 'reset');
      expect(reset.data.rows.map((r: { id: string }) => r.id)).toEqual(['first']);
      expect(reset.data.readOnly).toBe(false);
      agentSession('second', { title: 'Second one' });
      const change = await events.next(
        (m) => m.event === 'changes' && m.data.rows.some((r: { id: string }) => r.id === 'second'),
      );
      expect(change.data.rows.find((r: { id: string }) => r.id === 'second')).toMatchObject({
        title: 'Second one',
        restarts: 0,
      });
    } finally {
      events.close();
    }
  });

  it('coalesces: fifty sessions created at once arrive in one message', async () => {
    const events = openEvents(dashboard);
    try {
      await events.next((m) => m.event === 'reset');
      const ids = Array.from({ length: 50 }, (_, i) => `s${i}`);
      for (const id of ids) agentSession(id);
      const change = await events.next((m) => m.event === 'changes');
      expect(change.data.rows.map((r: { id: string }) => r.id)).toEqual(ids);
    } finally {
      events.close();
    }
  });

  it("a session's stream sends its detail, then its child's new state as it changes", async () => {
    agentSession('a');
    const events = openEvents(dashboard, '&session=a');
    try {
      const first = await events.next((m) => m.event === 'session' && m.data.full);
      expect(first.data.machines.find((m: { id: string }) => m.id === 'agent').active).toEqual([
        'idle',
      ]);
      manager.getChild('a', 'agent')!.send({ type: 'GO' });
      const moved = await events.next(
        (m) =>
          m.event === 'session' &&
          m.data.machines?.some(
            (machine: { id: string; active: string[] }) =>
              machine.id === 'agent' && machine.active[0] === 'working',
          ),
      );
      // The chart's text was sent once; updates carry the active states only.
      expect(moved.data.full).toBeUndefined();
      expect(moved.data.machines.find((m: { id: string }) => m.id === 'agent').statechart).toBe(
        undefined,
      );
      expect(moved.data.events).toContainEqual(
        expect.objectContaining({ target: 'agent', type: 'GO' }),
      );
    } finally {
      events.close();
    }
  });
});

describe('no CORS', () => {
  it('never sends Access-Control-Allow-Origin, not even to a preflight', async () => {
    agentSession('a');
    const api = apiClient(dashboard);
    const answers = [
      await api.get('/'),
      await api.get('/assets/main.mjs'),
      await api.get('/api/sessions'),
      await api.get('/api/sessions/a'),
      await api.send('OPTIONS', '/api/sessions/a/terminate'),
      await api.post('/api/sessions/a/children/agent/restart'),
    ];
    for (const answer of answers) {
      expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual(
        [],
      );
    }
    expect(answers[4]!.status).toBe(405);
  });
});
