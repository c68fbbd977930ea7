/**
 * Cluster events (`xstate-otp/nats`): the host's lease, failovers, and the
 * requests hosts send each other's sessions, with the trace context that
 * travels in their NATS headers.
 *
 * ```ts
 * publishClusterLease('worker-1', 'acquired', incarnation, 10_000);
 * const headers = requestHeaders('fix-42', 'worker-1', 'worker-2', 'send'); // {} or { traceparent, … }
 * await traceServe('fix-42', 'worker-2', 'send', () => headersOfTheRequest, () => serve(request));
 * ```
 */
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../ground/errorMessage.js';
import { channels, publish } from './channels.js';
import type {
  ClusterFailoverMessage,
  ClusterLeaseMessage,
  ClusterOperation,
  ClusterServeMessage,
  TraceCarrier,
} from './messages.js';

export function publishClusterLease(
  hostId: string,
  status: ClusterLeaseMessage['status'],
  incarnation: string,
  leaseMs: number,
  reason?: string,
): void {
  if (!channels.clusterLease.hasSubscribers) return;
  const message: ClusterLeaseMessage = { hostId, status, incarnation, leaseMs };
  if (reason !== undefined) message.reason = reason;
  publish(channels.clusterLease, message);
}

/** This host (`hostId`) ended `sessionId` of `fromHostId`; the takeover began at `startedAt` (`performance.now()`). */
export function publishClusterFailover(
  sessionId: string,
  hostId: string,
  fromHostId: string,
  reason: string,
  startedAt: number,
): void {
  if (!channels.clusterFailover.hasSubscribers) return;
  const message: ClusterFailoverMessage = {
    sessionId,
    hostId,
    fromHostId,
    reason,
    durationMs: performance.now() - startedAt,
  };
  publish(channels.clusterFailover, message);
}

/**
 * The headers a request to another host carries: what the subscribers of
 * `cluster:request` wrote (W3C trace context); `undefined` when nobody
 * listens or nobody wrote any.
 */
export function requestHeaders(
  sessionId: string,
  hostId: string,
  toHostId: string,
  operation: ClusterOperation,
): TraceCarrier | undefined {
  if (!channels.clusterRequest.hasSubscribers) return undefined;
  const headers: TraceCarrier = {};
  publish(channels.clusterRequest, { sessionId, hostId, toHostId, operation, headers });
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/**
 * Serves a request from another host with `serve`, announced on
 * `cluster:serve` (with the caller's `headers`) and, once settled, on
 * `cluster:served` (the same message, with `durationMs` and `error`).
 */
export function traceServe<T>(
  sessionId: string,
  hostId: string,
  operation: ClusterOperation,
  headers: () => TraceCarrier,
  serve: () => Promise<T>,
): Promise<T> {
  if (!channels.clusterServe.hasSubscribers && !channels.clusterServed.hasSubscribers) {
    return serve();
  }
  const message: ClusterServeMessage = { sessionId, hostId, operation, headers: headers() };
  publish(channels.clusterServe, message);
  const startedAt = performance.now();
  const served = (error?: unknown) => {
    message.durationMs = performance.now() - startedAt;
    if (error !== undefined) message.error = errorMessage(error);
    publish(channels.clusterServed, message);
  };
  const answer = Promise.resolve().then(serve);
  answer.then(
    () => served(),
    (error: unknown) => served(error),
  );
  return answer;
}
