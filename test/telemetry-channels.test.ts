import diagnostics_channel from 'node:diagnostics_channel';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  createMemoryJournal,
  createSessionManager,
  fromProcess,
  type SessionManager,
  type SessionStartMessage,
  telemetryChannels,
} from '../src/index.js';
import { fixtureCommand } from '../src/scripted/fixtureCommand.js';
import { channels, publishSessionStart } from '../src/telemetry/index.js';
import { waitForPidsGone } from '../src/testing/processes.js';
import { durableTypes } from './helpers/durable.js';
import { recordTelemetry } from './helpers/telemetry.js';
import { collectCallbackWarnings } from './helpers/warnings.js';
import { agentSessionSpec, workerSpecs } from './helpers/workers.js';

const managers: SessionManager[] = [];
async function manager(options: Parameters<typeof createSessionManager>[0] = {}) {
  const created = await createSessionManager({ hostId: 'host-a', ...options });
  managers.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

describe('telemetry channels', () => {
  test('the catalog: one channel per event, named xstate-otp:<subject>:<event>', () => {
    expect(telemetryChannels).toEqual({
      sessionStart: 'xstate-otp:session:start',
      sessionEnd: 'xstate-otp:session:end',
      sessionResume: 'xstate-otp:session:resume',
      childStart: 'xstate-otp:child:start',
      childExit: 'xstate-otp:child:exit',
      childRestart: 'xstate-otp:child:restart',
      supervisorIntensity: 'xstate-otp:supervisor:intensity',
      journalAppend: 'xstate-otp:journal:append',
      clusterLease: 'xstate-otp:cluster:lease',
      clusterFailover: 'xstate-otp:cluster:failover',
      clusterRequest: 'xstate-otp:cluster:request',
      clusterServe: 'xstate-otp:cluster:serve',
      clusterServed: 'xstate-otp:cluster:served',
    });
    expect(Object.isFrozen(telemetryChannels)).toBe(true);
    for (const [event, name] of Object.entries(telemetryChannels)) {
      expect(channels[event as keyof typeof channels]).toBe(diagnostics_channel.channel(name));
    }
  });

  test('a session that restarts a child and completes: its events in order, each with sessionId and hostId', async () => {
    const clock = new SimulatedClock();
    const recorded = recordTelemetry();
    try {
      const m = await manager({ clock });
      const session = m.createSession({
        id: 's1',
        autoShutdown: 'any_significant',
        children: [
          ...workerSpecs(['helper'], [], { backoff: { minMs: 100, maxMs: 100, jitter: 0 } }),
          ...workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
        ],
      });
      m.getChild('s1', 'helper')!.send({ type: 'CRASH' });
      clock.increment(100);
      m.getChild('s1', 'agent')!.send({ type: 'FINISH' });
      const record = await session.done;
      expect(record.outcome).toBe('completed');

      const lifecycle = recorded.events
        .filter(([name]) => name !== 'journal:append')
        .map(([name, message]) => [name, message.childId ?? message.outcome ?? message.attempt]);
      expect(lifecycle).toEqual([
        ['session:start', 1],
        ['child:start', 'helper'],
        ['child:start', 'agent'],
        ['child:exit', 'helper'],
        ['child:restart', 'helper'],
        ['child:start', 'helper'],
        ['child:exit', 'agent'],
        ['child:exit', 'helper'],
        ['session:end', 'completed'],
      ]);
      for (const [, message] of recorded.events) {
        expect(message).toMatchObject({ sessionId: 's1', hostId: 'host-a' });
      }
      expect(recorded.of('session:start')[0]).toEqual({
        sessionId: 's1',
        hostId: 'host-a',
        attempt: 1,
        createdAt: record.createdAt,
        traceContext: {},
      });
      expect(recorded.of('child:restart')[0]).toEqual({
        sessionId: 's1',
        hostId: 'host-a',
        childId: 'helper',
        reason: 'abnormal',
        error: 'crash',
        backoffMs: 100,
        restarts: 1,
        totalRestarts: 1,
      });
      const exits = recorded.of('child:exit').map((m) => [m.childId, m.restart, m.kind, m.error]);
      expect(exits).toEqual([
        ['helper', 0, 'abnormal', 'crash'],
        ['agent', 0, 'normal', undefined],
        ['helper', 1, 'shutdown', undefined],
      ]);
      expect(recorded.of('child:start').map((m) => [m.childId, m.restart])).toEqual([
        ['helper', 0],
        ['agent', 0],
        ['helper', 1],
      ]);
      expect(recorded.of('session:end')[0]).toEqual({
        sessionId: 's1',
        hostId: 'host-a',
        attempt: 1,
        outcome: 'completed',
        restarts: 1,
        durationMs: 100,
      });
      const appended = recorded.of('journal:append');
      expect(appended.map((m) => m.recordType)).toEqual(
        expect.arrayContaining(['created', 'started', 'restarts', 'terminal']),
      );
      for (const message of appended) {
        expect(message.records).toBe(1);
        expect(message.bytes).toBeGreaterThan(20);
        expect(message.durationMs).toBeGreaterThanOrEqual(0);
        expect(message.error).toBeUndefined();
      }
      const terminal = appended.find((m) => m.recordType === 'terminal')!;
      expect(terminal.bytes).toBe(
        Buffer.byteLength(
          JSON.stringify((await m.records('s1')).find((r) => r.type === 'terminal')),
        ),
      );
    } finally {
      recorded.stop();
    }
  });

  test('max restart intensity: supervisor:intensity, then session:end failed', async () => {
    const recorded = recordTelemetry();
    try {
      const m = await manager();
      const session = m.createSession({
        id: 'gives-up',
        intensity: 1,
        period: 60_000,
        children: workerSpecs(['w'], []),
      });
      m.getChild('gives-up', 'w')!.send({ type: 'CRASH' });
      m.getChild('gives-up', 'w')!.send({ type: 'CRASH' });
      expect((await session.done).outcome).toBe('failed');
      const names = recorded.events.map(([name]) => name).filter((n) => n !== 'journal:append');
      expect(names.slice(-3)).toEqual(['child:exit', 'supervisor:intensity', 'session:end']);
      expect(recorded.of('supervisor:intensity')[0]).toMatchObject({
        sessionId: 'gives-up',
        hostId: 'host-a',
        childId: 'w',
        intensity: 1,
        periodMs: 60_000,
        restarts: 1,
        error: expect.stringMatching(/maximum restart intensity/),
      });
      expect(recorded.of('session:end')[0]).toMatchObject({ outcome: 'failed', restarts: 1 });
    } finally {
      recorded.stop();
    }
  });

  test('a process child: pid on start and exit, exit code on exit', async () => {
    const recorded = recordTelemetry();
    try {
      const m = await manager();
      const session = m.createSession({
        id: 'proc',
        autoShutdown: 'any_significant',
        intensity: 0,
        children: [
          {
            id: 'cli',
            logic: fromProcess(),
            input: fixtureCommand({ mode: 'exit', code: 3 }),
            restart: 'transient',
            significant: true,
          },
        ],
      });
      expect((await session.done).outcome).toBe('failed');
      const [exit] = recorded.of('child:exit');
      expect(exit).toMatchObject({
        sessionId: 'proc',
        hostId: 'host-a',
        childId: 'cli',
        restart: 0,
        kind: 'abnormal',
        exitCode: 3,
      });
      expect(exit!.pid).toEqual(expect.any(Number));
      // The process is spawned as its actor starts: its pid is known at child:start already.
      expect(recorded.of('child:start')).toEqual([
        { sessionId: 'proc', hostId: 'host-a', childId: 'cli', restart: 0, pid: exit!.pid },
      ]);
      await waitForPidsGone([exit!.pid]);
    } finally {
      recorded.stop();
    }
  });

  test('a resumed durable session: session:resume (with the previous attempt’s trace context), then session:start and session:end of attempt 2', async () => {
    const journal = createMemoryJournal();
    // A tracer of sorts: each attempt's start gets a trace context of its own.
    let spans = 0;
    const tracer = (message: unknown) => {
      (message as SessionStartMessage).traceContext.traceparent = `span-${++spans}`;
    };
    diagnostics_channel.subscribe(telemetryChannels.sessionStart, tracer);
    const recorded = recordTelemetry([
      telemetryChannels.sessionStart,
      telemetryChannels.sessionResume,
      telemetryChannels.sessionEnd,
    ]);
    try {
      const first = await manager({ journal, sessionTypes: durableTypes });
      first.createSession({ id: 'd1', type: 'counter' });
      await first.send('d1', 'counter', { type: 'INC' });
      await first.stop({ handOff: true });
      const second = await manager({ journal, hostId: 'host-b', sessionTypes: durableTypes });
      await second.send('d1', 'counter', { type: 'FINISH' });
      await vi.waitFor(() => expect(recorded.of('session:end')).toHaveLength(2), {
        timeout: 5000,
        interval: 5,
      });
      expect(recorded.events.map(([name, m]) => [name, m.hostId, m.attempt])).toEqual([
        ['session:start', 'host-a', 1],
        ['session:end', 'host-a', 1],
        ['session:resume', 'host-b', 2],
        ['session:start', 'host-b', 2],
        ['session:end', 'host-b', 2],
      ]);
      expect(recorded.of('session:resume')[0]).toEqual({
        sessionId: 'd1',
        hostId: 'host-b',
        attempt: 2,
        fromHostId: 'host-a',
        previousTraceContext: { traceparent: 'span-1' },
      });
      expect(recorded.of('session:start')[1]).toMatchObject({ type: 'counter', attempt: 2 });
      expect(recorded.of('session:end').map((m) => m.outcome)).toEqual([
        'interrupted', // handed off
        'completed',
      ]);
      // Each attempt's trace context is journaled with it, for the next one to link to.
      const records = await second.records('d1');
      expect(records.find((r) => r.type === 'created')).toMatchObject({
        traceContext: { traceparent: 'span-1' },
      });
      expect(records.find((r) => r.type === 'resumed')).toMatchObject({
        attempt: 2,
        traceContext: { traceparent: 'span-2' },
      });
    } finally {
      diagnostics_channel.unsubscribe(telemetryChannels.sessionStart, tracer);
      recorded.stop();
    }
  });

  test('an untraced attempt journals no trace context; a resume then has none to pass on', async () => {
    const journal = createMemoryJournal();
    const first = await manager({ journal, sessionTypes: durableTypes });
    first.createSession({ id: 'u1', type: 'counter' });
    await first.stop({ handOff: true });
    const recorded = recordTelemetry([telemetryChannels.sessionResume]);
    try {
      await manager({ journal, hostId: 'host-b', sessionTypes: durableTypes });
      expect(recorded.of('session:resume')).toEqual([
        { sessionId: 'u1', hostId: 'host-b', attempt: 2, fromHostId: 'host-a' },
      ]);
    } finally {
      recorded.stop();
    }
    for (const record of journal.records()) expect(record).not.toHaveProperty('traceContext');
  });

  test('nothing is published, nor attached, for a session started while nobody listened', async () => {
    expect(publishSessionStart('x', 'host-a', 0, 1)).toBeUndefined();
    const m = await manager();
    const session = m.createSession(agentSessionSpec('unwatched'));
    const recorded = recordTelemetry([telemetryChannels.childExit, telemetryChannels.childStart]);
    try {
      m.getChild('unwatched', 'agent')!.send({ type: 'FINISH' });
      await session.done;
      expect(recorded.events).toEqual([]);
    } finally {
      recorded.stop();
    }
  });

  test('a subscriber that throws is one warning; the session and the other subscribers carry on', async () => {
    const warnings = collectCallbackWarnings();
    const thrower = () => {
      throw new Error('subscriber bug');
    };
    diagnostics_channel.subscribe(telemetryChannels.sessionStart, thrower);
    diagnostics_channel.subscribe(telemetryChannels.childStart, thrower);
    const recorded = recordTelemetry([telemetryChannels.sessionEnd]);
    try {
      const m = await manager();
      const sessions = ['t1', 't2'].map((id) => m.createSession(agentSessionSpec(id)));
      for (const id of ['t1', 't2']) m.getChild(id, 'agent')!.send({ type: 'FINISH' });
      const records = await Promise.all(sessions.map((s) => s.done));
      expect(records.map((r) => r.outcome)).toEqual(['completed', 'completed']);
      expect(recorded.of('session:end').map((m) => m.sessionId)).toEqual(['t1', 't2']);
    } finally {
      diagnostics_channel.unsubscribe(telemetryChannels.sessionStart, thrower);
      diagnostics_channel.unsubscribe(telemetryChannels.childStart, thrower);
      recorded.stop();
    }
    // One subscriber function, guarded once: its first throw is reported, no later one.
    expect(await warnings.stop()).toEqual([
      expect.stringMatching(
        /^A diagnostics_channel subscriber of xstate-otp:session:start threw: subscriber bug/,
      ),
    ]);
  });
});
