/**
 * The `inspect` option of `createSessionManager` reaches every actor the
 * runtime creates — the manager's supervisor, sessions, their supervisors,
 * nested supervisors, machine children and process actors — and
 * `@statelyai/inspect` (offline adapter) receives each of them.
 */
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { describe, expect, it, vi } from 'vitest';
import type { AnyStateMachine, InspectionEvent } from 'xstate';
import {
  createSessionManager,
  createSupervisor,
  fromProcess,
  type SupervisionNode,
  sessionMachine,
  supervisionTree,
} from '../src/index.js';
import { processMachine } from '../src/process/index.js';
import { supervisorMachine } from '../src/supervisor/index.js';
import { fixtureCommand } from '../src/testing/index.js';
import { collectCallbackWarnings } from './helpers/warnings.js';
import { agentSessionSpec, workerSpecs } from './helpers/workers.js';

function flatten(node: SupervisionNode): SupervisionNode[] {
  return [node, ...node.children.flatMap(flatten)];
}

describe('inspection of a whole session manager', () => {
  it('@statelyai/inspect receives @xstate.actor for every actor: sessions, supervisors, children, processes', async () => {
    const received: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (event) => received.push(event) });
    const raw: InspectionEvent[] = [];
    const manager = await createSessionManager({
      inspect: (event) => {
        raw.push(event);
        inspector.inspect.next?.(event);
      },
    });
    const session = manager.createSession({
      id: 'inspected',
      autoShutdown: 'any_significant',
      children: [
        { id: 'team', logic: createSupervisor({ children: workerSpecs(['w1', 'w2'], []) }) },
        {
          id: 'build',
          logic: fromProcess(),
          input: fixtureCommand({ mode: 'succeed', delayMs: 100 }),
          restart: 'transient',
          significant: true,
        },
      ],
    });
    await expect
      .poll(() => flatten(supervisionTree(manager)).find((n) => n.id === 'build')?.pid)
      .toBeTypeOf('number');
    const live = flatten(supervisionTree(manager));
    const kinds = new Set(live.map((node) => node.kind));
    expect(kinds).toEqual(new Set(['manager', 'session', 'supervisor', 'process', 'actor']));
    expect((await session.done).outcome).toBe('completed');
    await manager.stop();

    // Everything the system created was announced to the raw observer...
    const announced = new Set(
      raw.filter((e) => e.type === '@xstate.actor').map((e) => e.actorRef.sessionId),
    );
    for (const node of live) expect(announced).toContain(node.actorId);
    // ...and reached the Stately inspector, which converts on a later tick.
    await vi.waitFor(() => {
      const stately = new Set(
        received.filter((e) => e.type === '@xstate.actor').map((e) => e.sessionId),
      );
      expect(stately).toEqual(announced);
    });
    const actors = received.filter((e) => e.type === '@xstate.actor');
    const rootId = manager.root.sessionId;
    for (const event of actors) expect(event.rootId).toBe(rootId);
    // Machine actors carry their definition for the visualiser.
    const sessionActor = actors.find((e) => e.sessionId === session.ref.sessionId)!;
    expect(JSON.parse(sessionActor.definition ?? 'null')).toMatchObject({ id: 'session' });
  });

  it('an inspector that throws breaks nothing: sessions run and end, it keeps hearing, one warning', async () => {
    const warnings = collectCallbackWarnings();
    let heard = 0;
    const manager = await createSessionManager({
      inspect: {
        next: () => {
          heard += 1;
          throw new Error('inspector bug');
        },
      },
    });
    const session = manager.createSession(agentSessionSpec('watched'));
    const before = heard;
    await manager.send('watched', 'agent', { type: 'FINISH' });
    expect(await session.done).toMatchObject({ outcome: 'completed', restarts: 0 });
    expect(heard).toBeGreaterThan(before);
    await manager.stop();
    expect(await warnings.stop()).toEqual([
      expect.stringMatching(/^A session manager inspector threw: inspector bug\./),
    ]);
    await expect(createSessionManager({ inspect: {} as never })).rejects.toMatchObject({
      code: 'invalid_option',
    });
  });
});

describe('machine.toJSON() of the exported machines', () => {
  const machines: Record<string, AnyStateMachine> = {
    supervisorMachine,
    sessionMachine,
    processMachine,
  };

  it.each(Object.entries(machines))('%s survives JSON.stringify and round-trips', (_, machine) => {
    const text = JSON.stringify(machine.toJSON());
    const parsed = JSON.parse(text);
    expect(JSON.stringify(parsed)).toBe(text);
    expect(parsed).toMatchObject({ id: machine.id, key: machine.id, type: machine.root.type });
    expect(Object.keys(parsed.states)).toEqual(Object.keys(machine.root.states));
  });
});
