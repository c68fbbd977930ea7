/**
 * `xstate-otp/otel` across hosts on a real nats-server: `send` and
 * `terminateSession` from one host carry the caller's W3C trace context in
 * NATS headers, so the owner's spans join the caller's trace; a failover is
 * measured; leases are reported.
 */
import { context, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSessionManager, type SessionManager } from '../src/index.js';
import { natsCluster } from '../src/nats/index.js';
import { instrumentOpenTelemetry } from '../src/otel/index.js';
import { isPidAlive, killPids, waitForPidsGone } from '../src/testing/processes.js';
import { type ClusterHost, startClusterHost } from './helpers/nats-host.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import { uniquePrefix } from './helpers/nats-stores.js';
import { startOtel } from './helpers/otel.js';
import { recordTelemetry } from './helpers/telemetry.js';
import { viewWhen } from './helpers/views.js';
import { agentSessionSpec } from './helpers/workers.js';

const LEASE_MS = 1000;

natsSuite('OpenTelemetry across hosts', () => {
  let server: SingleNats;
  const managers: SessionManager[] = [];
  const hosts: ClusterHost[] = [];
  const strays: number[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.allSettled(managers.splice(0).map((manager) => manager.stop()));
    for (const host of hosts.splice(0)) {
      await host.kill();
      expect(isPidAlive(host.pid)).toBe(false);
    }
    const left = strays.splice(0);
    killPids(left.filter(isPidAlive));
    await waitForPidsGone(left);
  });
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  it("send and terminateSession from another host join the caller's trace; a failover is measured", async () => {
    const otel = startOtel();
    const uninstrument = instrumentOpenTelemetry(otel.providers);
    const recorded = recordTelemetry();
    try {
      const prefix = uniquePrefix();
      const open = async (hostId: string) => {
        const manager = await createSessionManager({
          hostId,
          cluster: natsCluster({ servers: server.url, prefix, leaseMs: LEASE_MS, timeoutMs: 3000 }),
        });
        managers.push(manager);
        return manager;
      };
      const owner = await open('owner');
      const caller = await open('caller');
      expect(recorded.of('cluster:lease')).toEqual([
        { hostId: 'owner', status: 'acquired', incarnation: expect.any(String), leaseMs: LEASE_MS },
        {
          hostId: 'caller',
          status: 'acquired',
          incarnation: expect.any(String),
          leaseMs: LEASE_MS,
        },
      ]);

      const sent = owner.createSession(agentSessionSpec('sent'));
      const terminated = owner.createSession(agentSessionSpec('terminated'));
      await viewWhen(caller, 'sent', (view) => view?.state === 'running');
      await viewWhen(caller, 'terminated', (view) => view?.state === 'running');

      const tracer = otel.providers.tracerProvider.getTracer('test');
      const request = tracer.startSpan('caller request');
      await context.with(trace.setSpan(context.active(), request), async () => {
        await caller.send('sent', 'agent', { type: 'FINISH' });
        await caller.terminateSession('terminated', 'from the caller');
      });
      request.end();
      expect((await sent.done).outcome).toBe('completed');
      expect((await terminated.done).outcome).toBe('cancelled');
      // The caller may learn of the end from the change feed before the owner has answered.
      await recorded.waitFor('cluster:served', (m) => m.operation === 'terminate');

      const { traceId, spanId } = request.spanContext();
      const traceparent = `00-${traceId}-${spanId}-01`;
      // The headers went over NATS: what the owner received is what the caller sent.
      expect(
        recorded.of('cluster:request').map((m) => [m.hostId, m.toHostId, m.operation, m.headers]),
      ).toEqual([
        ['caller', 'owner', 'send', { traceparent }],
        ['caller', 'owner', 'terminate', { traceparent }],
      ]);
      expect(
        recorded.of('cluster:serve').map((m) => [m.sessionId, m.hostId, m.operation, m.headers]),
      ).toEqual([
        ['sent', 'owner', 'send', { traceparent }],
        ['terminated', 'owner', 'terminate', { traceparent }],
      ]);
      for (const name of ['serve send', 'serve terminate']) {
        const span = otel.span(name);
        expect(span.kind).toBe(SpanKind.SERVER);
        expect(span.spanContext().traceId).toBe(traceId);
        expect(span.parentSpanContext).toMatchObject({ spanId, isRemote: true });
        expect(span.attributes['xstate_otp.host.id']).toBe('owner');
      }
      expect(otel.span('serve terminate').attributes['xstate_otp.session.id']).toBe('terminated');

      // A host killed: a survivor ends its session, and the takeover is measured.
      const doomed = await startClusterHost({
        fixture: 'cluster-manager-host.mjs',
        servers: server.url,
        prefix,
        hostId: 'doomed',
        leaseMs: LEASE_MS,
        sessions: ['orphan'],
      });
      hosts.push(doomed);
      const ready = await doomed.waitFor((line) => line.ready === true);
      strays.push(...ready.pids);
      await viewWhen(owner, 'orphan', (view) => view?.state === 'running');
      await doomed.kill();
      await viewWhen(owner, 'orphan', (view) => view?.outcome === 'interrupted');
      await viewWhen(caller, 'orphan', (view) => view?.outcome === 'interrupted');
      const [failover] = recorded.of('cluster:failover');
      expect(failover).toMatchObject({
        sessionId: 'orphan',
        fromHostId: 'doomed',
        reason: expect.stringContaining('doomed'),
      });
      expect(['owner', 'caller']).toContain(failover!.hostId);
      expect(recorded.of('cluster:failover')).toHaveLength(1);
      const measured = await otel.metric('xstate_otp.cluster.failover.duration');
      expect(measured).toEqual([
        {
          attributes: {},
          value: expect.objectContaining({ count: 1, sum: failover!.durationMs / 1000 }),
        },
      ]);

      await Promise.all(managers.splice(0).map((manager) => manager.stop()));
      expect(
        recorded
          .of('cluster:lease')
          .filter((m) => m.status === 'released')
          .map((m) => m.hostId)
          .sort(),
      ).toEqual(['caller', 'owner']);
    } finally {
      recorded.stop();
      uninstrument();
      await Promise.allSettled(managers.splice(0).map((manager) => manager.stop()));
      await otel.shutdown();
    }
  });
});
