/**
 * Helpers for the dashboard tests: a small agent machine to draw, an HTTP
 * client that speaks the dashboard's API, and a Server-Sent Events reader.
 *
 * ```ts
 * const api = apiClient(dashboard);                 // token from the URL's fragment
 * const { status, body } = await api.get('/api/sessions');
 * const events = openEvents(dashboard);             // GET /api/events?token=…
 * await events.next((m) => m.event === 'changes' && m.data.rows.some((r) => r.id === 'a'));
 * events.close();
 * ```
 */
import { request } from 'node:http';
import { setup } from 'xstate';

/** A three-state agent: idle --GO--> working --FINISH--> done; CRASH makes it fail. */
export const agentMachine = setup({
  types: { events: {} as { type: 'GO' } | { type: 'FINISH' } | { type: 'CRASH' } },
  actions: {
    crash: () => {
      throw new Error('the agent crashed');
    },
  },
}).createMachine({
  id: 'agent',
  initial: 'idle',
  on: { CRASH: { actions: 'crash' } },
  states: {
    idle: { on: { GO: 'working' } },
    working: { on: { FINISH: 'done' } },
    done: { type: 'final' },
  },
});

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

export interface ApiClient {
  readonly token: string;
  readonly base: string;
  get(path: string, options?: { token?: string | null }): Promise<HttpAnswer>;
  post(path: string, body?: unknown, options?: { token?: string | null }): Promise<HttpAnswer>;
  send(method: string, path: string, options?: { token?: string | null }): Promise<HttpAnswer>;
}

/** Token and base URL from a dashboard's `url` (`http://host:port/#token=…`). */
export function parseDashboardUrl(url: string): { base: string; token: string } {
  const parsed = new URL(url);
  const token = new URLSearchParams(parsed.hash.slice(1)).get('token');
  if (!token) throw new Error(`No token in ${url}`);
  return { base: `${parsed.protocol}//${parsed.host}`, token };
}

function call(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `token: null` sends no Authorization header; a string sends that token instead. */
export function apiClient(dashboard: { url: string }): ApiClient {
  const { base, token } = parseDashboardUrl(dashboard.url);
  const auth = (override: string | null | undefined): Record<string, string> => {
    const value = override === undefined ? token : override;
    return value === null ? {} : { Authorization: `Bearer ${value}` };
  };
  return {
    token,
    base,
    get: (path, options) => call('GET', base + path, auth(options?.token)),
    post: (path, body, options) =>
      call(
        'POST',
        base + path,
        { ...auth(options?.token), 'Content-Type': 'application/json' },
        body === undefined ? '' : JSON.stringify(body),
      ),
    send: (method, path, options) => call(method, base + path, auth(options?.token)),
  };
}

export interface SseMessage {
  event: string;
  data: any;
}

export interface EventReader {
  /** Every message so far. */
  readonly messages: SseMessage[];
  readonly status: Promise<number>;
  /** Resolves with the first message (seen or to come) matching `predicate`. */
  next(predicate: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

/** Opens `GET /api/events` (with `?token=`, as `EventSource` does) and parses what comes. */
export function openEvents(dashboard: { url: string }, query = ''): EventReader {
  const { base, token } = parseDashboardUrl(dashboard.url);
  const messages: SseMessage[] = [];
  const waiters: { predicate: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }[] = [];
  let resolveStatus!: (status: number) => void;
  const status = new Promise<number>((resolve) => {
    resolveStatus = resolve;
  });
  let buffer = '';
  const req = request(`${base}/api/events?token=${token}${query}`, (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === undefined || data === undefined) continue;
        const message = { event, data: JSON.parse(data) };
        messages.push(message);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(message)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(message);
          }
        }
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return {
    messages,
    status,
    next(predicate, timeoutMs = 5000) {
      const seen = messages.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (message: SseMessage) => {
            clearTimeout(timer);
            resolve(message);
          },
        };
        // A bound on the wait, not a synchronisation sleep: the message resolves it.
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(`No matching event within ${timeoutMs} ms; got ${JSON.stringify(messages)}`),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => req.destroy(),
  };
}
