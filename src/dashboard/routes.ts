/**
 * The dashboard's HTTP routes on `node:http`: the page, its files, the JSON
 * API and the Server-Sent Events streams.
 *
 * ```
 * GET  /                                             the page (no data, no token needed)
 * GET  /assets/*.mjs, /vendor/*                      its code
 * GET  /api/sessions[?state=running,failed&q=fix&offset=0&limit=100]
 * GET  /api/sessions/:id                             view, tree, statechart, machines, events, output, journal
 * GET  /api/events[?session=:id]                     SSE; the token may come as ?token= here only
 * POST /api/sessions/:id/terminate                   body (optional): { "reason": "..." }
 * POST /api/sessions/:id/children/:childId/restart
 * POST /api/sessions/:id/children/:childId/terminate
 * ```
 *
 * Every `/api/` request needs the token, checked before anything else: 401
 * without it, whatever the path. Actions are POST only (a GET on an action
 * path is 405 and does nothing), and 405 on a read-only source. No CORS
 * headers are ever sent, so a browser lets no other origin read an answer,
 * and a cross-origin request with an `Authorization` header is never sent.
 * Errors are `{ error: code, message }`.
 *
 * Before anything else, a request whose `Host` or `Origin` the server does
 * not answer to gets 403 (`forbidden_host`, see `hostCheck.ts`). A request
 * body is read only by the one route that takes one (`terminate`, at most
 * 16 KiB: a longer declared length is 413 unread); any request that
 * carries a body is answered with `Connection: close`, so a body nobody
 * reads is never drained from the socket either.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../ground/errorMessage.js';
import { JournalError, OtpError, SessionError, SupervisorError } from '../ground/errors.js';
import { capReason } from '../ground/limits.js';
import { shown } from '../ground/shown.js';
import { SESSION_STATES } from '../session/view.js';
import type { Assets } from './assets.js';
import { requestToken, tokenMatches } from './auth.js';
import { DashboardError } from './dashboardError.js';
import type { ListFeed } from './listFeed.js';
import type { PageShell } from './pageShell.js';
import type { DashboardSource } from './source.js';

export interface RouteContext {
  source: DashboardSource;
  /** Whether the server answers to this `Host` and `Origin` (see `hostCheck.ts`). */
  allows(host: string | undefined, origin: string | undefined): boolean;
  token: string;
  assets: Assets;
  shell: PageShell;
  list: ListFeed;
  openSession(id: string, res: ServerResponse): void;
}

const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const MAX_BODY = 16 * 1024;

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  headers?: Record<string, string>,
): void {
  sendJson(res, status, { error, message }, headers);
}

/** The HTTP status for an error an action or a read raised. */
function statusOf(error: unknown): number {
  if (error instanceof DashboardError) {
    return (
      {
        read_only: 405,
        not_found: 404,
        remote: 409,
        conflict: 409,
        invalid_option: 400,
        too_large: 413,
      }[error.code as string] ?? 500
    );
  }
  if (error instanceof SessionError || error instanceof SupervisorError) {
    return error.code === 'not_found' || error.code === 'invalid_id' ? 404 : 409;
  }
  if (error instanceof JournalError) return 503;
  return 500;
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/** Whether the request says a body follows (a length above 0, or chunks). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

async function readReason(req: IncomingMessage): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) {
    throw new DashboardError('too_large', `The request body is over ${MAX_BODY} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) {
      throw new DashboardError('too_large', `The request body is over ${MAX_BODY} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DashboardError('invalid_option', 'The request body must be JSON.');
  }
  const reason = (body as { reason?: unknown } | null)?.reason;
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string') {
    throw new DashboardError('invalid_option', '"reason" must be a string.');
  }
  return capReason(reason);
}

const KNOWN_STATES: ReadonlySet<string> = new Set(SESSION_STATES);

/** A count in the query (`offset`, `limit`), or `undefined` when absent. */
function countParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,9}$/.test(text)) {
    throw new DashboardError(
      'invalid_option',
      `"${name}" must be an integer >= 0; got ${shown(text)}.`,
    );
  }
  return Number(text);
}

function listSessions(source: DashboardSource, query: URLSearchParams) {
  const states = query.get('state')?.split(',').filter(Boolean);
  const unknown = states?.find((state) => !KNOWN_STATES.has(state));
  if (unknown !== undefined) {
    throw new DashboardError(
      'invalid_option',
      `"state" takes ${SESSION_STATES.join(', ')}; got ${shown(unknown)}.`,
    );
  }
  const search = query.get('q')?.toLowerCase();
  const offset = countParam(query, 'offset') ?? 0;
  const limit = countParam(query, 'limit') ?? Number.POSITIVE_INFINITY;
  let sessions = source.list();
  if (states?.length) sessions = sessions.filter((view) => states.includes(view.state));
  if (search) {
    sessions = sessions.filter((view) => {
      const title = view.metadata?.title;
      return (
        view.id.toLowerCase().includes(search) ||
        (typeof title === 'string' && title.toLowerCase().includes(search))
      );
    });
  }
  const end = Number.isFinite(limit) ? offset + limit : undefined;
  return { total: sessions.length, sessions: sessions.slice(offset, end) };
}

type Action =
  | { kind: 'terminate'; id: string }
  | { kind: 'restart' | 'terminateChild'; id: string; childId: string };

function actionOf(path: string): Action | undefined {
  const session = /^\/api\/sessions\/([^/]+)\/terminate$/.exec(path);
  if (session) {
    const id = decode(session[1]!);
    return id === undefined ? undefined : { kind: 'terminate', id };
  }
  const child = /^\/api\/sessions\/([^/]+)\/children\/([^/]+)\/(restart|terminate)$/.exec(path);
  if (!child) return undefined;
  const id = decode(child[1]!);
  const childId = decode(child[2]!);
  if (id === undefined || childId === undefined) return undefined;
  return { kind: child[3] === 'restart' ? 'restart' : 'terminateChild', id, childId };
}

async function runAction(
  context: RouteContext,
  action: Action,
  req: IncomingMessage,
): Promise<unknown> {
  const { source } = context;
  switch (action.kind) {
    case 'terminate': {
      const reason = await readReason(req);
      return { record: await source.terminateSession(action.id, reason) };
    }
    case 'restart':
      await source.restartChild(action.id, action.childId);
      return { ok: true };
    case 'terminateChild':
      await source.terminateChild(action.id, action.childId);
      return { ok: true };
  }
}

async function handleApi(
  context: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname;
  const isEvents = path === '/api/events';
  // The query token is for EventSource only; everywhere else it must be the header.
  const token = requestToken(req, isEvents ? url.searchParams : undefined);
  if (!tokenMatches(token, context.token)) {
    sendError(res, 401, 'unauthorized', 'A valid token is required.', {
      'WWW-Authenticate': 'Bearer',
    });
    return;
  }
  const action = actionOf(path);
  if (action) {
    if (req.method !== 'POST') {
      sendError(res, 405, 'method_not_allowed', 'Actions take POST.', { Allow: 'POST' });
      return;
    }
    if (context.source.readOnly) {
      sendError(res, 405, 'read_only', 'This dashboard is read-only: it shows a journal.');
      return;
    }
    try {
      sendJson(res, 200, await runAction(context, action, req));
    } catch (error) {
      const code = error instanceof OtpError ? error.code : 'internal';
      sendError(res, statusOf(error), code, (error as Error).message);
    }
    return;
  }
  if (req.method !== 'GET') {
    sendError(res, 405, 'method_not_allowed', 'This path takes GET.', { Allow: 'GET' });
    return;
  }
  if (path === '/api/sessions') {
    sendJson(res, 200, listSessions(context.source, url.searchParams));
    return;
  }
  if (isEvents) {
    const id = url.searchParams.get('session');
    if (id !== null && !context.source.get(id)) {
      sendError(res, 404, 'not_found', `No session "${id}".`);
      return;
    }
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    if (id === null) context.list.connect(res);
    else context.openSession(id, res);
    return;
  }
  const detail = /^\/api\/sessions\/([^/]+)$/.exec(path);
  const id = detail && decode(detail[1]!);
  if (id) {
    const found = await context.source.detail(id);
    if (found) sendJson(res, 200, found);
    else sendError(res, 404, 'not_found', `No session "${id}".`);
    return;
  }
  sendError(res, 404, 'not_found', `No API route ${path}.`);
}

async function handleStatic(
  context: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...COMMON_HEADERS, Allow: 'GET' }).end();
    return;
  }
  if (url.pathname === '/' || url.pathname === '/index.html') {
    res.writeHead(200, { ...COMMON_HEADERS, ...context.shell.headers });
    res.end(req.method === 'HEAD' ? undefined : context.shell.html);
    return;
  }
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204, COMMON_HEADERS).end();
    return;
  }
  const asset = await context.assets.get(url.pathname);
  if (!asset) {
    res.writeHead(404, { ...COMMON_HEADERS, 'Content-Type': 'text/plain' }).end('Not found\n');
    return;
  }
  res.writeHead(200, {
    ...COMMON_HEADERS,
    // The package's own code: no secret, but it changes with each version.
    'Cache-Control': 'no-cache',
    'Content-Type': asset.type,
    'Content-Length': asset.body.length,
  });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://dashboard.invalid');
  } catch {
    return undefined;
  }
}

export function createRequestHandler(context: RouteContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    // A request target that is not a URL (`GET http://[x`) must not throw
    // out of this listener: that would take the host down with it.
    const url = requestUrl(req);
    if (url === undefined) {
      sendError(res, 400, 'invalid_option', 'The request target is not a URL.');
      return;
    }
    // A body that this request's route does not read is not drained either: the connection ends.
    if (hasBody(req)) res.setHeader('Connection', 'close');
    if (!context.allows(req.headers.host, req.headers.origin)) {
      sendError(
        res,
        403,
        'forbidden_host',
        'This dashboard does not answer to that Host or Origin. To reach it by another name (a reverse proxy), list that name in the allowedHosts option.',
      );
      return;
    }
    const handle = url.pathname.startsWith('/api/') ? handleApi : handleStatic;
    handle(context, req, res, url).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const code = error instanceof OtpError ? error.code : 'internal';
      sendError(res, statusOf(error), code, errorMessage(error));
    });
  };
}
