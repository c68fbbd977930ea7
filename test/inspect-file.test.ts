import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AnyActorRef,
  createActor,
  createMachine,
  fromPromise,
  type InspectionEvent,
  SimulatedClock,
  waitFor,
} from 'xstate';
import { createInspectionFile } from '../src/inspect/inspectionFile.js';
import type { InspectionRecord } from '../src/inspect/inspectionRecord.js';
import { toSafeJson } from '../src/inspect/safeJson.js';
import { parentMachine } from './helpers/inspect-fixtures.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xstate-otp-inspect-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function readLines(path: string): InspectionRecord[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as InspectionRecord);
}

/** Runs the sample system to completion, teeing inspection to the file. */
async function runSystem(inspect: (e: InspectionEvent) => void) {
  const seen: InspectionEvent[] = [];
  const actor = createActor(parentMachine, {
    inspect: (e) => {
      seen.push(e);
      inspect(e);
    },
  });
  actor.start();
  await waitFor(actor, (s) => s.context.result === 42);
  actor.send({ type: 'PING', replyTo: actor } as never);
  actor.send({ type: 'FINISH' });
  await waitFor(actor, (s) => s.status === 'done');
  return { actor, seen };
}

describe('createInspectionFile', () => {
  it('writes one parseable line per inspection event, in order', async () => {
    const file = createInspectionFile(join(dir, 'nested', 'run.jsonl'));
    const { seen } = await runSystem(file.inspect);
    await file.close();

    const lines = readLines(file.path);
    expect(lines).toHaveLength(seen.length);
    expect(lines.map((l) => l.type)).toEqual(seen.map((e) => e.type));
    expect(lines.map((l) => l.sessionId)).toEqual(seen.map((e) => e.actorRef.sessionId));
    for (const line of lines) {
      expect(typeof line.at).toBe('number');
      expect(line.actorId).not.toBe('');
    }
  });

  it('has an @xstate.actor line for every actor of the run, with ids and parents', async () => {
    const file = createInspectionFile(join(dir, 'run.jsonl'));
    const { actor, seen } = await runSystem(file.inspect);
    await file.close();
    const lines = readLines(file.path);

    const everyActor = new Set(seen.map((e) => e.actorRef.sessionId));
    const actorLines = lines.filter((l) => l.type === '@xstate.actor');
    expect(new Set(actorLines.map((l) => l.sessionId))).toEqual(everyActor);
    expect(actorLines).toHaveLength(everyActor.size);

    const byActorId = new Map(actorLines.map((l) => [l.actorId, l]));
    expect([...byActorId.keys()].sort()).toEqual([actor.id, 'child', 'lookup', 'ticker'].sort());
    const root = byActorId.get(actor.id);
    const child = byActorId.get('child');
    expect(root?.parentSessionId).toBeUndefined();
    expect(child).toMatchObject({ systemId: 'child-worker', parentSessionId: actor.sessionId });
    expect(byActorId.get('lookup')?.parentSessionId).toBe(actor.sessionId);
    expect(byActorId.get('ticker')?.parentSessionId).toBe(child?.sessionId);
    for (const l of actorLines) expect(l.rootSessionId).toBe(actor.sessionId);
  });

  it('serialises events and snapshots, replacing actor refs by { actorId }', async () => {
    const file = createInspectionFile(join(dir, 'run.jsonl'));
    const { actor } = await runSystem(file.inspect);
    await file.close();
    const lines = readLines(file.path);

    const ping = lines.find((l) => l.type === '@xstate.event' && l.event?.type === 'PING');
    expect(ping?.event).toEqual({ type: 'PING', replyTo: { actorId: actor.id } });
    expect(ping?.sourceSessionId).toBeUndefined();

    const sent = lines.find(
      (l) => l.type === '@xstate.event' && l.actorId === 'child' && l.event?.type === 'FINISH',
    );
    expect(sent).toMatchObject({ event: { type: 'FINISH' }, sourceSessionId: actor.sessionId });

    const snapshots = lines.filter((l) => l.type === '@xstate.snapshot' && l.actorId === actor.id);
    expect(snapshots.at(-1)?.snapshot).toEqual({ status: 'done', value: 'finished' });
    // A promise actor's snapshot has no `value`: only its status is kept.
    const lookup = lines.filter((l) => l.type === '@xstate.snapshot' && l.actorId === 'lookup');
    expect(lookup.map((l) => l.snapshot)).toEqual([{ status: 'active' }, { status: 'done' }]);
  });

  it('never throws on circular, exotic or hostile data', async () => {
    const file = createInspectionFile(join(dir, 'run.jsonl'));
    const machine = createMachine({
      context: () => {
        const ctx: Record<string, unknown> = { name: 'loop' };
        ctx.self = ctx;
        return ctx;
      },
      on: { '*': { actions: () => {} } },
    });
    const actor = createActor(machine, { inspect: file.inspect }).start();

    const circular: Record<string, unknown> = { type: 'CIRCULAR' };
    circular.me = circular;
    circular.list = [circular, { deeper: circular }];
    actor.send(circular as never);
    actor.send({
      type: 'EXOTIC',
      big: 10n,
      nan: Number.NaN,
      fn: function named() {},
      sym: Symbol('s'),
      err: Object.assign(new Error('boom'), { code: 'E_BOOM' }),
      map: new Map([['k', { ref: actor }]]),
      set: new Set([1, 2]),
      when: new Date(0),
      bytes: new Uint8Array(3),
      get hostile(): never {
        throw new Error('getter says no');
      },
      toJSONBomb: {
        toJSON() {
          throw new Error('toJSON says no');
        },
      },
      proto: JSON.parse('{"__proto__": {"polluted": true}}'),
    } as never);
    await file.close();

    const lines = readLines(file.path);
    const circ = lines.find((l) => l.event?.type === 'CIRCULAR' && l.type === '@xstate.event');
    expect(circ?.event).toEqual({
      type: 'CIRCULAR',
      me: '[Circular]',
      list: ['[Circular]', { deeper: '[Circular]' }],
    });
    const exotic = lines.find((l) => l.event?.type === 'EXOTIC' && l.type === '@xstate.event');
    expect(exotic?.event).toEqual({
      type: 'EXOTIC',
      big: '10',
      nan: 'NaN',
      fn: '[Function named]',
      sym: 'Symbol(s)',
      err: { name: 'Error', message: 'boom', code: 'E_BOOM' },
      map: [['k', { ref: { actorId: actor.id } }]],
      set: [1, 2],
      when: '1970-01-01T00:00:00.000Z',
      bytes: '[Uint8Array 3 bytes]',
      hostile: '[Unreadable]',
      toJSONBomb: '[Unreadable]',
      proto: { ['__proto__']: { polluted: true } },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('records the error of an actor that failed', async () => {
    const file = createInspectionFile(join(dir, 'run.jsonl'));
    const failing = fromPromise(async () => {
      throw new TypeError('nope');
    });
    const actor = createActor(failing, { inspect: file.inspect });
    actor.subscribe({ error: () => {} }); // handled: keeps XState from rethrowing it
    actor.start();
    await waitFor(actor, (s) => s.status === 'error').catch(() => {});
    await file.close();
    const last = readLines(file.path)
      .filter((l) => l.type === '@xstate.snapshot')
      .at(-1);
    expect(last?.snapshot).toEqual({
      status: 'error',
      error: { name: 'TypeError', message: 'nope' },
    });
  });

  it('bounds every line, keeping the event type', async () => {
    const file = createInspectionFile(join(dir, 'run.jsonl'), { maxLineBytes: 1024 });
    const actor = createActor(createMachine({}), { inspect: file.inspect }).start();
    const wide = Object.fromEntries(
      Array.from({ length: 80 }, (_, i) => [`k${i}`, 'é'.repeat(500)]),
    );
    actor.send({ type: 'HUGE', wide } as never);
    actor.send({ type: 'x'.repeat(5000) } as never);
    await file.close();

    const raw = readFileSync(file.path, 'utf8').slice(0, -1).split('\n');
    for (const line of raw) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(1024);
    const lines = raw.map((l) => JSON.parse(l) as InspectionRecord);
    const huge = lines.find((l) => l.type === '@xstate.event' && l.event?.type === 'HUGE');
    expect(huge).toMatchObject({ truncated: true, event: { type: 'HUGE' } });
    const long = lines.find((l) => l.type === '@xstate.event' && l.truncated && !l.event);
    expect(long?.type).toBe('@xstate.event');
  });

  it('loses nothing at close, even when close() follows the events synchronously', async () => {
    const file = createInspectionFile(join(dir, 'run.jsonl'), { flushBytes: 4096 });
    let count = 0;
    const actor = createActor(createMachine({ on: { TICK: { actions: () => {} } } }), {
      inspect: (e) => {
        count++;
        file.inspect(e);
      },
    }).start();
    for (let i = 0; i < 500; i++) actor.send({ type: 'TICK', i } as never);
    const closing = file.close();
    const written = count;
    expect(readLines(file.path)).toHaveLength(written);
    await closing;

    actor.send({ type: 'TICK', i: -1 } as never); // after close: ignored, no throw
    expect(count).toBeGreaterThan(written);
    expect(readLines(file.path)).toHaveLength(written);
    await expect(file.close()).resolves.toBeUndefined();
  });

  it('appends to an existing file', async () => {
    const path = join(dir, 'run.jsonl');
    for (let run = 0; run < 2; run++) {
      const file = createInspectionFile(path);
      createActor(createMachine({}), { inspect: file.inspect }).start();
      await file.close();
    }
    const roots = readLines(path).filter((l) => l.type === '@xstate.actor');
    expect(roots).toHaveLength(2);
  });

  it('stamps lines with the system clock, so simulated runs are deterministic', async () => {
    const clock = new SimulatedClock();
    const file = createInspectionFile(join(dir, 'run.jsonl'));
    const machine = createMachine({
      initial: 'a',
      states: { a: { after: { 1000: 'b' } }, b: {} },
    });
    const actor = createActor(machine, { clock, inspect: file.inspect }).start();
    clock.increment(1000);
    expect(actor.getSnapshot().value).toBe('b');
    await file.close();
    const ats = readLines(file.path).map((l) => l.at);
    expect(ats[0]).toBe(0);
    expect(ats.at(-1)).toBe(1000);
  });

  it('fails fast when the path cannot be opened', () => {
    expect(() => createInspectionFile(dir)).toThrow();
  });
});

describe('toSafeJson', () => {
  it('limits depth, strings and collection sizes', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    expect(toSafeJson(deep, { maxDepth: 2 })).toEqual({ a: { b: '[Object]' } });
    expect(toSafeJson('abcdef', { maxString: 3 })).toBe('abc…[3 more chars]');
    expect(toSafeJson([1, 2, 3], { maxItems: 2 })).toEqual([1, 2, '[…1 more]']);
    expect(toSafeJson({ a: 1, b: 2, c: 3 }, { maxItems: 2 })).toEqual({
      a: 1,
      b: 2,
      '…': '1 more keys',
    });
  });

  it('writes a value shared by two branches twice, as JSON would', () => {
    const shared = { n: 1 };
    expect(toSafeJson({ x: shared, y: shared })).toEqual({ x: { n: 1 }, y: { n: 1 } });
  });

  it('replaces actor refs found anywhere', () => {
    const ref = {
      id: 'w1',
      sessionId: 'x:9',
      send() {},
      getSnapshot() {},
    } as unknown as AnyActorRef;
    expect(toSafeJson({ deep: [{ ref }] })).toEqual({ deep: [{ ref: { actorId: 'w1' } }] });
  });
});
