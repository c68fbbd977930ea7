/**
 * Requests to the host that owns a session (`send`, `terminate`), over NATS
 * request/reply on one subject per host, `<prefix>.host.<host key>`.
 *
 * ```ts
 * const server = requestServer(link, 'worker-1', 10_000);  // subscribed from here on
 * const stopServing = server.serve(async (message) => answer(message)); // the manager's routing answers
 * await requestHost(link, 'worker-1', { type: 'terminate', sessionId: 'a-1' }, 10_000, 'worker-2'); // from worker-2
 * ```
 *
 * The answer is JSON: `{ ok: true, value }` or `{ ok: false, error }` with
 * the error's class name, `code`, message and `sessionId`, so the asking
 * host rejects with the same `SessionError` / `ClusterError` the owner
 * raised. Nobody serving that host ("no responders": it is not running)
 * rejects with `SessionError('not_found')`; no answer in time, with
 * `ClusterError('timeout')` (the request may still have been carried out).
 */

import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import { errorMessage } from '../ground/errorMessage.js';
import { ClusterError, OtpError, SessionError, SupervisorError } from '../ground/errors.js';
import type { HostRequest } from '../manager/store.js';
import { requestHeaders, type TraceCarrier, traceServe } from '../telemetry/index.js';
import type { ClusterLink } from './connection.js';
import { isNoResponders } from './natsCalls.js';

type Answer =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; code?: string; message: string; sessionId?: string } };

function encodeError(error: unknown): Answer {
  const e = error as { name?: string; code?: unknown; message?: string; sessionId?: unknown };
  return {
    ok: false,
    error: {
      name: typeof e?.name === 'string' ? e.name : 'Error',
      message: errorMessage(error),
      ...(typeof e?.code === 'string' ? { code: e.code } : {}),
      ...(typeof e?.sessionId === 'string' ? { sessionId: e.sessionId } : {}),
    },
  };
}

function decodeError(error: Extract<Answer, { ok: false }>['error']): Error {
  const options = error.sessionId === undefined ? undefined : { sessionId: error.sessionId };
  switch (error.name) {
    case 'SessionError':
      return new SessionError(error.code as SessionError['code'], error.message, options);
    case 'ClusterError':
      return new ClusterError(error.code as ClusterError['code'], error.message, options);
    case 'SupervisorError':
      return new SupervisorError(error.code as SupervisorError['code'], error.message);
    default:
      return error.code === undefined
        ? new Error(error.message)
        : new OtpError(error.code, error.message);
  }
}

export interface RequestServer {
  /** Sets the handler (the last one set answers); returns a function that removes it. */
  serve(handler: (message: HostRequest) => Promise<unknown>): () => void;
  stop(): void;
}

/**
 * Subscribes to requests addressed to `hostId` at once, so that the
 * subscription is in place (after a flush) before anyone can locate a
 * session here. A request that comes before a handler is set waits for one,
 * up to `timeoutMs`, then gets `SessionError('not_found')`.
 */
export function requestServer(link: ClusterLink, hostId: string, timeoutMs: number): RequestServer {
  let handler: ((message: HostRequest) => Promise<unknown>) | undefined;
  let handlerSet: () => void = () => {};
  let handlerReady = new Promise<void>((resolve) => {
    handlerSet = resolve;
  });

  const awaitHandler = async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([handlerReady, timeout]);
    clearTimeout(timer);
    if (handler === undefined) {
      throw new SessionError('not_found', `Host ${hostId} is not serving requests.`);
    }
    return handler;
  };

  const subscription = link.nc.subscribe(link.names.hostSubject(hostId), {
    callback: (error, message) => {
      if (error) return;
      Promise.resolve()
        .then(() => message.json<HostRequest>())
        .then((request) =>
          traceServe(
            request.sessionId,
            hostId,
            request.type,
            () => carrierOf(message.headers),
            async () => (handler ?? (await awaitHandler()))(request),
          ),
        )
        .then(
          (value): Answer => ({ ok: true, value: value ?? null }),
          (failure: unknown) => encodeError(failure),
        )
        .then((answer) => {
          message.respond(JSON.stringify(answer));
        })
        .catch(() => {
          // The connection closed before the answer could go: the asker times out.
        });
    },
  });

  return {
    serve(next) {
      handler = next;
      handlerSet();
      return () => {
        if (handler !== next) return;
        handler = undefined;
        handlerReady = new Promise<void>((resolve) => {
          handlerSet = resolve;
        });
      };
    },
    stop: () => subscription.unsubscribe(),
  };
}

/** Trace context as NATS headers (W3C `traceparent`, `tracestate`: see `requestHeaders`). */
function headersOf(carrier: TraceCarrier | undefined): MsgHdrs | undefined {
  if (carrier === undefined) return undefined;
  const headers = natsHeaders();
  for (const [key, value] of Object.entries(carrier)) headers.set(key, value);
  return headers;
}

function carrierOf(headers: MsgHdrs | undefined): TraceCarrier {
  const carrier: TraceCarrier = {};
  for (const key of headers?.keys() ?? []) carrier[key] = headers!.get(key);
  return carrier;
}

export async function requestHost(
  link: ClusterLink,
  hostId: string,
  message: HostRequest,
  timeoutMs: number,
  fromHostId: string,
): Promise<unknown> {
  let reply: Answer;
  try {
    const trace = requestHeaders(message.sessionId, fromHostId, hostId, message.type);
    const response = await link.nc.request(
      link.names.hostSubject(hostId),
      JSON.stringify(message),
      {
        timeout: timeoutMs,
        ...(trace === undefined ? {} : { headers: headersOf(trace) }),
      },
    );
    reply = response.json<Answer>();
  } catch (error) {
    if (isNoResponders(error)) {
      throw new SessionError(
        'not_found',
        `No host ${hostId} is serving requests for session ${message.sessionId}.`,
        {
          sessionId: message.sessionId,
        },
      );
    }
    const e = error as { name?: string; cause?: { name?: string } };
    if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') {
      throw new ClusterError(
        'timeout',
        `Host ${hostId} did not answer a ${message.type} for session ${message.sessionId} within ${timeoutMs} ms.`,
        { cause: error, sessionId: message.sessionId },
      );
    }
    throw error;
  }
  if (!reply.ok) throw decodeError(reply.error);
  return reply.value;
}
