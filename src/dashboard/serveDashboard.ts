/**
 * `serveDashboard(manager, options)`: a live web page for a session manager,
 * in the spirit of Erlang's observer, on a plain `node:http` server.
 *
 * ```ts
 * import { serveDashboard } from 'xstate-otp/dashboard';
 * const dashboard = await serveDashboard(manager, { port: 0 });
 * console.log(dashboard.url);   // http://127.0.0.1:41234/#token=…  (open it)
 * await dashboard.close();
 *
 * // A journal, read-only:
 * const view = await serveDashboard(await openJournalSource('journal.jsonl'), { port: 8080 });
 * ```
 *
 * Options: `host` (default `127.0.0.1`: loopback only; anything else is
 * reachable by whoever can reach that address, with the token), `port`
 * (default 0: any free port), `token` (default: 256 random bits; at least
 * 22 base64url characters if given), `intervalMs` (least time between
 * two pushes to a client, default 100: at most ten a second), `sampleMs`
 * (the chart's sampling period, default 5000), `maxQueuedBytes` (a slow
 * client's queue before it is switched to snapshots, default 1 MiB),
 * `allowedHosts` (names besides the bound address that `Host` and `Origin`
 * may carry, e.g. a reverse proxy's; anything else is 403, see
 * `hostCheck.ts`), `maxConnections` (default 100: more are closed at once),
 * `headersTimeoutMs` (default 10 s: a client that has not sent its headers
 * by then is cut off) and `requestTimeoutMs` (default 30 s, for the whole
 * request; the event streams' responses are not limited by it).
 *
 * Binding anything but a loopback address emits a process warning
 * (`XSTATE_OTP_DASHBOARD_EXPOSED`): the dashboard can stop sessions, and
 * then anyone who can reach the address and learns the token can too.
 *
 * Bad options reject with `DashboardError` `invalid_option`; a port that
 * cannot be bound rejects with `listen_failed`. `close()` ends every stream
 * and connection and stops listening to the manager; the manager itself is
 * left running.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionManager } from '../manager/createSessionManager.js';
import { createAssets } from './assets.js';
import { checkTokenOption, newToken } from './auth.js';
import { DashboardError } from './dashboardError.js';
import { createHostCheck, type HostCheck, isLoopback } from './hostCheck.js';
import { createListFeed } from './listFeed.js';
import { managerSource } from './managerSource.js';
import { pageShell } from './pageShell.js';
import { createRequestHandler } from './routes.js';
import { openSessionFeed, type SessionFeed } from './sessionFeed.js';
import type { DashboardSource } from './source.js';
import type { SseStreamStats } from './sseStream.js';

export interface DashboardOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: any free port (read it from `port` or `url`). */
  port?: number;
  /** Default: a random 256-bit token. */
  token?: string;
  /** Least ms between two pushes to one client. Default 100. */
  intervalMs?: number;
  /** The chart's sampling period in ms. Default 5000. */
  sampleMs?: number;
  /** Samples the chart keeps. Default 120 (ten minutes at 5 s). */
  samples?: number;
  /** A client's queue limit before it gets a snapshot instead. Default 1 MiB. */
  maxQueuedBytes?: number;
  /**
   * Host names (or `.suffix` for a domain's subdomains) that requests may
   * name in `Host` and `Origin` besides the bound address: a reverse proxy's
   * public name, say. Default none.
   */
  allowedHosts?: string[];
  /** Open connections at most; more are closed as they arrive. Default 100. */
  maxConnections?: number;
  /** Time a client has to send its request headers. Default 10,000 ms. */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request. Default 30,000 ms. */
  requestTimeoutMs?: number;
}

/** The code of the process warning emitted when the dashboard listens beyond loopback. */
export const EXPOSED_WARNING = 'XSTATE_OTP_DASHBOARD_EXPOSED';

export interface DashboardServer {
  /** The page's address, with the token in its fragment. */
  readonly url: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  /** Whether actions are refused (a journal view). */
  readonly readOnly: boolean;
  /** The connected event streams (table and session pages), with their queues. */
  connections(): SseStreamStats[];
  close(): Promise<void>;
}

interface Resolved {
  host: string;
  port: number;
  token: string;
  intervalMs: number;
  sampleMs: number;
  samples: number;
  maxQueuedBytes: number;
  allowedHosts: string[];
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

function positive(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new DashboardError('invalid_option', `${name} must be a number >= ${min}.`);
  }
  return value;
}

function resolveOptions(options: DashboardOptions): Resolved {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DashboardError('invalid_option', 'port must be an integer from 0 to 65535.');
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw new DashboardError('invalid_option', 'host must be a non-empty string.');
  }
  const allowedHosts = options.allowedHosts ?? [];
  if (
    !Array.isArray(allowedHosts) ||
    allowedHosts.some((name) => typeof name !== 'string' || !/^\.?[A-Za-z0-9.:[\]_-]+$/.test(name))
  ) {
    throw new DashboardError(
      'invalid_option',
      'allowedHosts must be an array of host names (a leading dot allows the subdomains), e.g. ["dash.example.com", ".internal"].',
    );
  }
  const headersTimeoutMs = positive(options.headersTimeoutMs, 'headersTimeoutMs', 10_000, 100);
  const requestTimeoutMs = positive(options.requestTimeoutMs, 'requestTimeoutMs', 30_000, 100);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new DashboardError(
      'invalid_option',
      `headersTimeoutMs (${headersTimeoutMs}) must not be more than requestTimeoutMs (${requestTimeoutMs}).`,
    );
  }
  return {
    host,
    port,
    allowedHosts,
    maxConnections: positive(options.maxConnections, 'maxConnections', 100),
    headersTimeoutMs,
    requestTimeoutMs,
    token: options.token === undefined ? newToken() : checkTokenOption(options.token),
    intervalMs: positive(options.intervalMs, 'intervalMs', 100, 0),
    sampleMs: positive(options.sampleMs, 'sampleMs', 5000, 10),
    samples: positive(options.samples, 'samples', 120),
    maxQueuedBytes: positive(options.maxQueuedBytes, 'maxQueuedBytes', 1 << 20, 1024),
  };
}

function isSource(target: SessionManager | DashboardSource): target is DashboardSource {
  return typeof (target as DashboardSource).detail === 'function';
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(
        new DashboardError('listen_failed', `Cannot listen on ${host}:${port}: ${error.message}`, {
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Serves the dashboard of a session manager, or of any `DashboardSource` (a journal). */
export async function serveDashboard(
  target: SessionManager | DashboardSource,
  options: DashboardOptions = {},
): Promise<DashboardServer> {
  const resolved = resolveOptions(options);
  const owned = !isSource(target);
  const source = isSource(target) ? target : managerSource(target);
  const list = createListFeed(source, {
    intervalMs: resolved.intervalMs,
    sampleMs: resolved.sampleMs,
    samples: resolved.samples,
    maxQueuedBytes: resolved.maxQueuedBytes,
  });
  const sessions = new Set<SessionFeed>();
  let hostCheck: HostCheck | undefined;
  const handler = createRequestHandler({
    source,
    // Set once the address is known; until then nothing can connect.
    allows: (host, origin) => hostCheck?.allows(host, origin) ?? false,
    token: resolved.token,
    assets: createAssets(),
    shell: pageShell(),
    list,
    openSession(id, res) {
      const feed = openSessionFeed(source, id, res, {
        intervalMs: resolved.intervalMs,
        maxQueuedBytes: resolved.maxQueuedBytes,
      });
      sessions.add(feed);
      res.on('close', () => sessions.delete(feed));
    },
  });
  const server = createServer(
    {
      headersTimeout: resolved.headersTimeoutMs,
      requestTimeout: resolved.requestTimeoutMs,
      // How often Node looks for requests past those timeouts (its default is 30 s).
      connectionsCheckingInterval: Math.min(1000, resolved.headersTimeoutMs),
    },
    handler,
  );
  server.maxConnections = resolved.maxConnections;
  let address: AddressInfo;
  try {
    address = await listen(server, resolved.port, resolved.host);
  } catch (error) {
    list.close();
    if (owned) source.close();
    throw error;
  }
  hostCheck = createHostCheck({ bound: address.address, allowedHosts: resolved.allowedHosts });
  if (!isLoopback(address.address)) {
    process.emitWarning(
      `The dashboard listens on ${address.address}:${address.port}, beyond this machine: whoever can reach that address and learns the token can stop sessions. Put it behind TLS, or bind 127.0.0.1 and reach it through a tunnel or a reverse proxy.`,
      { code: EXPOSED_WARNING },
    );
  }
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}/#token=${resolved.token}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    token: resolved.token,
    host: address.address,
    port: address.port,
    readOnly: source.readOnly,
    connections: () => [...list.clients(), ...[...sessions].map((feed) => feed.stream.stats)],
    close() {
      closing ??= new Promise<void>((resolve) => {
        list.close();
        for (const feed of sessions) feed.close();
        sessions.clear();
        if (owned) source.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
