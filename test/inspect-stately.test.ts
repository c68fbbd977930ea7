import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { describe, expect, it, vi } from 'vitest';
import { type AnyStateMachine, createActor, type InspectionEvent, waitFor } from 'xstate';
import { toMermaid } from '../src/inspect/toMermaid.js';
import { childMachine, parentMachine, sampleMachines } from './helpers/inspect-fixtures.js';
import { validateMermaid } from './helpers/mermaid.js';

describe('@statelyai/inspect compatibility (offline adapter)', () => {
  it('receives an @xstate.actor event for every actor of a nested system', async () => {
    const received: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (e) => received.push(e) });
    const raw: InspectionEvent[] = [];
    const actor = createActor(parentMachine, {
      inspect: (e) => {
        raw.push(e);
        inspector.inspect.next?.(e);
      },
    }).start();
    await waitFor(actor, (s) => s.context.result === 42);
    actor.send({ type: 'FINISH' });
    await waitFor(actor, (s) => s.status === 'done');

    const everyActor = new Set(raw.map((e) => e.actorRef.sessionId));
    expect(everyActor.size).toBe(4); // parent, child, ticker (grandchild), lookup (spawned)
    // The inspector converts events on a later tick (idle callback in Node).
    await vi.waitFor(() => {
      const announced = received.filter((e) => e.type === '@xstate.actor');
      expect(new Set(announced.map((e) => e.sessionId))).toEqual(everyActor);
    });

    const actors = received.filter((e) => e.type === '@xstate.actor');
    const byName = new Map(actors.map((e) => [e.name, e]));
    expect([...byName.keys()].sort()).toEqual(['child', 'lookup', 'parent', 'ticker']);
    expect(byName.get('parent')?.parentId).toBeUndefined();
    expect(byName.get('child')?.parentId).toBe(actor.sessionId);
    expect(byName.get('lookup')?.parentId).toBe(actor.sessionId);
    expect(byName.get('ticker')?.parentId).toBe(byName.get('child')?.sessionId);
    for (const e of actors) expect(e.rootId).toBe(actor.sessionId);

    // Machine actors carry their definition as JSON for the visualiser.
    const definition = JSON.parse(byName.get('child')?.definition ?? 'null');
    expect(definition).toMatchObject({ id: 'child', initial: 'working' });
    expect(Object.keys(definition.states).sort()).toEqual(['done', 'working']); // keys sorted by it

    // Snapshot and event events reach it too.
    expect(received.some((e) => e.type === '@xstate.snapshot')).toBe(true);
    expect(received.some((e) => e.type === '@xstate.event' && e.event.type === 'FINISH')).toBe(
      true,
    );
  });
});

describe('machine.toJSON()', () => {
  const machines: Record<string, AnyStateMachine> = {
    ...sampleMachines,
    parentMachine,
    childMachine,
  };

  it.each(Object.entries(machines))('%s survives JSON.stringify and round-trips', (_, m) => {
    const text = JSON.stringify(m.toJSON());
    const parsed = JSON.parse(text);
    expect(JSON.stringify(parsed)).toBe(text);
    expect(parsed).toMatchObject({ id: m.id, key: m.id, type: m.root.type });
    expect(Object.keys(parsed.states)).toEqual(Object.keys(m.root.states));
  });

  it('keeps transitions as plain data: targets as #ids, guards by name', () => {
    const parsed = JSON.parse(JSON.stringify(sampleMachines.trafficLight!.toJSON()));
    expect(parsed.initial.target).toEqual(['#light.green']);
    expect(parsed.states.red.on.TIMER[0]).toMatchObject({
      target: ['#light.green'],
      guard: 'isNight',
      eventType: 'TIMER',
      source: '#light.red',
    });
  });
});

describe('test helper validateMermaid', () => {
  it('accepts what toMermaid produces for the nested system machines', async () => {
    for (const m of [parentMachine, childMachine]) {
      expect(await validateMermaid(toMermaid(m))).toEqual({
        valid: true,
        diagramType: 'stateDiagram',
      });
    }
  });
});
