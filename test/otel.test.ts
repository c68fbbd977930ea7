/**
 * `xstate-otp/otel` with the real OpenTelemetry SDK and in-memory
 * exporters: spans per session attempt and per child run, restart events,
 * links between attempts, and the metrics by their contract names.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  createMemoryJournal,
  createSessionManager,
  fromProcess,
  type SessionManager,
  telemetryChannels,
} from '../src/index.js';
import { instrumentOpenTelemetry } from '../src/otel/index.js';
import { fixtureCommand } from '../src/scripted/fixtureCommand.js';
import {
  publishSessionEnd,
  publishSessionResume,
  publishSessionStart,
} from '../src/telemetry/index.js';
import { waitForPidsGone } from '../src/testing/processes.js';
import { durableTypes } from './helpers/durable.js';
import { startOtel } from './helpers/otel.js';
import { workerSpecs } from './helpers/workers.js';

let otel: ReturnType<typeof startOtel>;
let uninstrument: () => void;
const managers: SessionManager[] = [];

async function manager(options: Parameters<typeof createSessionManager>[0] = {}) {
  const created = await createSessionManager({ hostId: 'host-a', ...options });
  managers.push(created);
  return created;
}

beforeEach(() => {
  otel = startOtel();
  uninstrument = instrumentOpenTelemetry(otel.providers);
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
  uninstrument();
  await otel.shutdown();
});

function restartingSession(id: string) {
  return {
    id,
    autoShutdown: 'any_significant' as const,
    children: [
      ...workerSpecs(['helper'], [], { backoff: { minMs: 250, maxMs: 250, jitter: 0 } }),
      ...workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
    ],
  };
}

describe('instrumentOpenTelemetry', () => {
  test('a session span under the caller, a span per child run, restarts as span events', async () => {
    const clock = new SimulatedClock();
    const m = await manager({ clock });
    const tracer = otel.providers.tracerProvider.getTracer('test');
    const caller = tracer.startSpan('handle request');
    const session = context.with(trace.setSpan(context.active(), caller), () =>
      m.createSession(restartingSession('s1')),
    );
    caller.end();
    m.getChild('s1', 'helper')!.send({ type: 'CRASH' });
    clock.increment(250);
    m.getChild('s1', 'agent')!.send({ type: 'FINISH' });
    await session.done;

    const sessionSpan = otel.span('session s1');
    expect(sessionSpan.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(sessionSpan.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(sessionSpan.kind).toBe(SpanKind.INTERNAL);
    expect(sessionSpan.attributes).toMatchObject({
      'xstate_otp.session.id': 's1',
      'xstate_otp.host.id': 'host-a',
      'xstate_otp.session.attempt': 1,
      'xstate_otp.session.outcome': 'completed',
      'xstate_otp.session.restarts': 1,
    });
    expect(sessionSpan.status.code).toBe(SpanStatusCode.UNSET);
    expect(sessionSpan.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'child.restart',
        {
          'xstate_otp.child.id': 'helper',
          'xstate_otp.child.restart': 1,
          'xstate_otp.child.restart_reason': 'abnormal',
          'xstate_otp.child.backoff_ms': 250,
          'exception.message': 'crash',
        },
      ],
    ]);

    const children = otel.spans().filter((span) => span.name.startsWith('child '));
    expect(
      children.map((span) => [
        span.name,
        span.attributes['xstate_otp.child.restart'],
        span.attributes['xstate_otp.child.exit_kind'],
        span.status.code,
      ]),
    ).toEqual([
      ['child helper', 0, 'abnormal', SpanStatusCode.ERROR],
      ['child agent', 0, 'normal', SpanStatusCode.UNSET],
      ['child helper', 1, 'shutdown', SpanStatusCode.UNSET],
    ]);
    for (const child of children) {
      expect(child.parentSpanContext?.spanId).toBe(sessionSpan.spanContext().spanId);
      expect(child.attributes['xstate_otp.session.id']).toBe('s1');
    }
  });

  test('a process child: pid and exit code on its span; a failed session is an error span', async () => {
    const m = await manager();
    const session = m.createSession({
      id: 'proc',
      autoShutdown: 'any_significant',
      intensity: 0,
      children: [
        {
          id: 'cli',
          logic: fromProcess(),
          input: fixtureCommand({ mode: 'exit', code: 7 }),
          restart: 'transient',
          significant: true,
        },
      ],
    });
    const record = await session.done;
    const child = otel.span('child cli');
    expect(child.attributes).toMatchObject({
      'xstate_otp.child.restart': 0,
      'xstate_otp.child.exit_kind': 'abnormal',
      'process.exit.code': 7,
      'process.pid': expect.any(Number),
    });
    await waitForPidsGone([child.attributes['process.pid'] as number]);
    const span = otel.span('session proc');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: record.reason });
    expect(span.attributes['xstate_otp.session.outcome']).toBe('failed');
    expect(span.events.map((event) => event.name)).toEqual(['supervisor.max_restart_intensity']);
  });

  test('the metrics, by their contract names and units', async () => {
    const clock = new SimulatedClock();
    const m = await manager({ clock });
    const done = m.createSession(restartingSession('m1'));
    const cancelled = m.createSession(restartingSession('m2'));
    m.getChild('m1', 'helper')!.send({ type: 'CRASH' });
    clock.increment(250);
    expect(await otel.metric('xstate_otp.sessions.active')).toEqual([{ attributes: {}, value: 2 }]);
    clock.increment(750);
    m.getChild('m1', 'agent')!.send({ type: 'FINISH' });
    await done.done;
    await m.terminateSession('m2', 'enough');
    await cancelled.done;

    expect(await otel.metricNames()).toEqual({
      'xstate_otp.sessions.started': '{session}',
      'xstate_otp.sessions.ended': '{session}',
      'xstate_otp.sessions.active': '{session}',
      'xstate_otp.session.duration': 's',
      'xstate_otp.child.restarts': '{restart}',
      'xstate_otp.journal.append.duration': 's',
    });
    expect(await otel.metric('xstate_otp.sessions.started')).toEqual([
      { attributes: {}, value: 2 },
    ]);
    expect(await otel.metric('xstate_otp.sessions.active')).toEqual([{ attributes: {}, value: 0 }]);
    const ended = await otel.metric('xstate_otp.sessions.ended');
    expect(ended).toEqual(
      expect.arrayContaining([
        { attributes: { outcome: 'completed' }, value: 1 },
        { attributes: { outcome: 'cancelled' }, value: 1 },
      ]),
    );
    expect(ended).toHaveLength(2);
    const durations = await otel.metric('xstate_otp.session.duration');
    const completed = durations!.find((point) => point.attributes.outcome === 'completed')!;
    expect(completed.value).toMatchObject({ count: 1, sum: 1 });
    expect(await otel.metric('xstate_otp.child.restarts')).toEqual([
      { attributes: { reason: 'abnormal' }, value: 1 },
    ]);
    const appends = (await otel.metric('xstate_otp.journal.append.duration'))!;
    // created, started, restarts, terminal (m1) and created, started, terminal (m2) at least.
    expect((appends[0]!.value as { count: number }).count).toBeGreaterThanOrEqual(7);
  });

  test('a resumed attempt links to the previous one, whose trace context its session:start left', () => {
    const first = publishSessionStart('dur', 'host-a', 0, 1, 'review')!;
    expect(first.traceContext.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    publishSessionEnd(
      { sessionId: 'dur', outcome: 'interrupted', createdAt: 0, endedAt: 10, restarts: 0 },
      'host-a',
      1,
    );
    publishSessionResume('dur', 'host-b', 2, 'host-a', first.traceContext);
    publishSessionStart('dur', 'host-b', 0, 2, 'review');
    publishSessionEnd(
      { sessionId: 'dur', outcome: 'completed', createdAt: 0, endedAt: 20, restarts: 0 },
      'host-b',
      2,
    );
    const [before, after] = otel.spans().filter((span) => span.name === 'session review');
    expect(before!.attributes['xstate_otp.host.id']).toBe('host-a');
    expect(after!.attributes).toMatchObject({
      'xstate_otp.host.id': 'host-b',
      'xstate_otp.session.attempt': 2,
      'xstate_otp.session.resumed_from': 'host-a',
    });
    expect(after!.links).toEqual([
      {
        context: expect.objectContaining({
          traceId: before!.spanContext().traceId,
          spanId: before!.spanContext().spanId,
          isRemote: true,
        }),
        attributes: { 'xstate_otp.session.attempt': 1 },
      },
    ]);
    expect(first.traceContext.traceparent).toBe(
      `00-${before!.spanContext().traceId}-${before!.spanContext().spanId}-01`,
    );
  });

  test('a durable session resumed by the next manager: its attempt-2 span links to attempt 1’s, through the journal', async () => {
    const journal = createMemoryJournal();
    const first = await manager({ journal, sessionTypes: durableTypes });
    first.createSession({ id: 'd1', type: 'counter' });
    await first.send('d1', 'counter', { type: 'INC' });
    await first.stop({ handOff: true });
    const second = await manager({ journal, hostId: 'host-b', sessionTypes: durableTypes });
    await second.send('d1', 'counter', { type: 'FINISH' });
    await vi.waitFor(() => expect(second.getSession('d1')?.outcome).toBe('completed'), {
      timeout: 5000,
      interval: 5,
    });
    const [before, after] = otel.spans().filter((span) => span.name === 'session counter');
    expect(before!.attributes).toMatchObject({
      'xstate_otp.host.id': 'host-a',
      'xstate_otp.session.attempt': 1,
    });
    expect(after!.attributes).toMatchObject({
      'xstate_otp.host.id': 'host-b',
      'xstate_otp.session.attempt': 2,
      'xstate_otp.session.resumed_from': 'host-a',
      'xstate_otp.session.outcome': 'completed',
    });
    expect(after!.links).toEqual([
      {
        context: expect.objectContaining({
          traceId: before!.spanContext().traceId,
          spanId: before!.spanContext().spanId,
        }),
        attributes: { 'xstate_otp.session.attempt': 1 },
      },
    ]);
  });

  test('the function it returns unsubscribes: no more spans, channels without subscribers', async () => {
    uninstrument();
    uninstrument();
    for (const name of Object.values(telemetryChannels)) {
      expect(diagnostics_channel.hasSubscribers(name)).toBe(false);
    }
    const m = await manager();
    const session = m.createSession(restartingSession('quiet'));
    m.getChild('quiet', 'agent')!.send({ type: 'FINISH' });
    await session.done;
    expect(otel.spans()).toEqual([]);
  });
});
