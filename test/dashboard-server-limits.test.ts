/**
 * The dashboard's server under hostile or unusual clients: Host and Origin
 * it does not answer to (DNS rebinding), slow headers, too many
 * connections, bodies nobody reads, binding beyond loopback, and a reverse
 * proxy that serves it under a path prefix.
 */
import { createServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DashboardOptions,
  type DashboardServer,
  serveDashboard,
} from '../src/dashboard/index.js';
import { EXPOSED_WARNING } from '../src/dashboard/serveDashboard.js';
import { createSessionManager, type SessionManager } from '../src/index.js';
import { agentMachine } from './helpers/dashboard.js';

const opened: { manager: SessionManager; dashboard: DashboardServer }[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const { manager, dashboard } of opened.splice(0)) {
    await dashboard.close();
    await manager.stop();
  }
});

async function start(options: DashboardOptions = {}) {
  const manager = await createSessionManager();
  manager.createSession({ id: 'a', children: [{ id: 'agent', logic: agentMachine }] });
  const dashboard = await serveDashboard(manager, { port: 0, ...options });
  opened.push({ manager, dashboard });
  return dashboard;
}

interface RawAnswer {
  /** Everything the server sent before it closed the connection (or before `untilEnd` was false and a head came). */
  text: string;
  status: number | undefined;
  closed: boolean;
}

/** Sends raw bytes; resolves with what came back once the server has answered (and, if it does, closed). */
function raw(
  port: number,
  bytes: string,
  options: { waitForClose?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = (closed: boolean) => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ text, status: status === undefined ? undefined : Number(status), closed });
      socket.destroy();
    };
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8');
      if (!options.waitForClose && /\r\n\r\n/.test(text)) done(false);
    });
    socket.on('close', () => done(true));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

const get = (path: string, headers: Record<string, string>) =>
  `GET ${path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

describe('Host and Origin (DNS rebinding)', () => {
  it('403 for a Host or Origin that is neither the bound address nor allowed, on the page and the API alike', async () => {
    const dashboard = await start({ allowedHosts: ['dash.example.com', '.corp.example'] });
    const auth = { Authorization: `Bearer ${dashboard.token}` };
    const port = dashboard.port;
    const answer = async (path: string, headers: Record<string, string>) =>
      (await raw(port, get(path, { ...auth, ...headers }))).status;
    for (const path of ['/', '/api/sessions', '/assets/main.mjs']) {
      expect(await answer(path, { Host: 'evil.example' }), path).toBe(403);
      expect(await answer(path, { Host: `evil.example:${port}` }), path).toBe(403);
      expect(await answer(path, { Host: `127.0.0.1:${port}`, Origin: 'http://evil.example' })).toBe(
        403,
      );
      expect(await answer(path, { Host: `127.0.0.1:${port}`, Origin: 'null' })).toBe(403);
    }
    const forbidden = await raw(port, get('/api/sessions', { ...auth, Host: 'evil.example' }), {
      waitForClose: false,
    });
    expect(forbidden.text).toMatch(/allowedHosts/);
    // HTTP/1.0 with no Host at all names nothing the server answers to.
    expect((await raw(port, 'GET /api/sessions HTTP/1.0\r\n\r\n')).status).toBe(403);

    const ok: Record<string, string>[] = [
      { Host: `127.0.0.1:${port}` },
      { Host: `localhost:${port}` },
      { Host: `127.0.0.1:${port}`, Origin: `http://127.0.0.1:${port}` },
      { Host: 'dash.example.com', Origin: 'https://dash.example.com' },
      { Host: 'DASH.example.com:443' },
      { Host: 'east.corp.example' },
    ];
    for (const headers of ok) {
      expect(await answer('/api/sessions', headers), JSON.stringify(headers)).toBe(200);
    }
  });

  it('refuses allowedHosts that are not host names (invalid_option)', async () => {
    const manager = await createSessionManager();
    for (const allowedHosts of ['x', [42], ['a b'], ['http://x/']]) {
      await expect(
        serveDashboard(manager, { port: 0, allowedHosts: allowedHosts as never }),
      ).rejects.toMatchObject({ code: 'invalid_option' });
    }
    await manager.stop();
  });
});

describe('server limits', () => {
  it('cuts off a client that does not finish its headers within headersTimeoutMs', async () => {
    const dashboard = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const started = performance.now();
    const slow = await raw(
      dashboard.port,
      'GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',
      {
        waitForClose: true,
      },
    );
    expect(slow.closed).toBe(true);
    expect(slow.status === undefined || slow.status === 408).toBe(true);
    // Node's own default is a minute; here it is the option's 200 ms plus one check interval.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('closes connections past maxConnections at once, and serves again once one is gone', async () => {
    const dashboard = await start({ maxConnections: 2 });
    const held: Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const socket = connect(dashboard.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      held.push(socket);
    }
    const third = await raw(dashboard.port, get('/api/sessions', { Host: '127.0.0.1' }), {
      waitForClose: true,
    });
    expect(third).toMatchObject({ closed: true, status: undefined });
    held[0]!.destroy();
    await new Promise((resolve) => held[0]!.once('close', resolve));
    let status: number | undefined;
    // The server learns of the close on its side a moment later: ask until it does.
    for (let attempt = 0; attempt < 50 && status === undefined; attempt++) {
      status = (
        await raw(
          dashboard.port,
          get('/api/sessions', {
            Host: '127.0.0.1',
            Authorization: `Bearer ${dashboard.token}`,
            Connection: 'close',
          }),
          { waitForClose: true },
        )
      ).status;
    }
    expect(status).toBe(200);
    held[1]!.destroy();
  });

  it('never reads a body its route does not take: the answer comes at once, and the connection ends', async () => {
    const dashboard = await start();
    const auth = `Authorization: Bearer ${dashboard.token}\r\nHost: 127.0.0.1\r\n`;
    // 50 MB declared, 10 bytes sent: the answer must not wait for (or drain) the rest.
    const listing = await raw(
      dashboard.port,
      `POST /api/sessions/a/children/agent/restart HTTP/1.1\r\n${auth}Content-Length: 50000000\r\n\r\n0123456789`,
      { waitForClose: true },
    );
    expect(listing.closed).toBe(true);
    expect(listing.status).toBe(200);
    expect(listing.text).toMatch(/\r\nConnection: close\r\n/i);
    // The one route that reads a body refuses a declared length over its limit, unread.
    const big = await raw(
      dashboard.port,
      `POST /api/sessions/a/terminate HTTP/1.1\r\n${auth}Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{"reason":`,
      { waitForClose: true },
    );
    expect(big.status).toBe(413);
    expect(big.text).toMatch(/"error":"too_large"/);
  });
});

describe('binding beyond loopback', () => {
  const warnings = () => {
    const seen: string[] = [];
    const listener = (warning: Error & { code?: string }) => {
      if (warning.code === EXPOSED_WARNING) seen.push(warning.message);
    };
    process.on('warning', listener);
    return async () => {
      await new Promise((resolve) => setImmediate(resolve));
      process.off('warning', listener);
      return seen;
    };
  };

  it('warns when the address is not loopback, and not otherwise', async () => {
    const quiet = warnings();
    await start({ host: '127.0.0.1' });
    expect(await quiet()).toEqual([]);
    const loud = warnings();
    const dashboard = await start({ host: '0.0.0.0' });
    expect(await loud()).toEqual([
      expect.stringMatching(
        new RegExp(`listens on 0\\.0\\.0\\.0:${dashboard.port}, beyond this machine`),
      ),
    ]);
  });
});

describe('behind a reverse proxy with a path prefix', () => {
  it('serves the page, its code and its API under /xotp/ when the proxy strips the prefix', async () => {
    const dashboard = await start({ allowedHosts: ['proxy.test'] });
    // The proxy as documented: strips /xotp, passes Host through (nginx `proxy_set_header Host $host`).
    const proxy = createServer((req, res) => {
      const path = req.url!.replace(/^\/xotp(?=\/)/, '');
      const upstream = request(
        { port: dashboard.port, host: '127.0.0.1', path, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    servers.push(proxy);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    const via = async (path: string, headers: Record<string, string> = {}) =>
      raw(port, get(path, { Host: 'proxy.test', Connection: 'close', ...headers }), {
        waitForClose: true,
      });
    const page = await via('/xotp/');
    expect(page.status).toBe(200);
    // Every URL the page loads is relative, so it resolves under the prefix.
    const urls = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const importMap = JSON.parse(/<script type="importmap">(.*?)<\/script>/s.exec(page.text)![1]!);
    for (const url of [...urls, ...Object.values(importMap.imports as Record<string, string>)]) {
      expect(url, url).toMatch(/^\.\//);
      expect((await via(`/xotp/${url.slice(2)}`)).status, url).toBe(200);
    }
    const api = await via('/xotp/api/sessions', { Authorization: `Bearer ${dashboard.token}` });
    expect(api.status).toBe(200);
    expect(api.text).toMatch(/"id":"a"/);
    // The page's own modules name the API relatively too.
    const apiModule = await via('/xotp/assets/api.mjs');
    expect(apiModule.text).not.toMatch(/['"`]\/api\//);
  });
});
