import { describe, expect, it } from 'vitest';
import {
  createSessionManager,
  createSupervisor,
  fromProcess,
  type SupervisionNode,
  supervisionTree,
} from '../src/index.js';
import { fixtureCommand, waitForPidsGone } from '../src/testing/index.js';
import { worker, workerSpecs } from './helpers/workers.js';

function find(node: SupervisionNode, id: string): SupervisionNode | undefined {
  if (node.id === id) return node;
  for (const child of node.children) {
    const found = find(child, id);
    if (found) return found;
  }
  return undefined;
}

describe('supervisionTree', () => {
  it('shows the manager, each session with its supervisor key and state, and their children', async () => {
    const manager = await createSessionManager();
    manager.createSession({
      id: 'alpha',
      autoShutdown: 'any_significant',
      children: [
        ...workerSpecs(['helper'], []),
        ...workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
      ],
    });
    manager.createSession({
      id: 'beta',
      children: [
        {
          id: 'team',
          logic: createSupervisor({ children: workerSpecs(['w1', 'w2'], []) }),
        },
        { id: 'proc', logic: fromProcess(), input: fixtureCommand({ mode: 'hang' }) },
      ],
    });
    manager.getChild('alpha', 'helper')!.send({ type: 'CRASH' });

    const tree = supervisionTree(manager);
    // Plain data: JSON round-trips it unchanged.
    expect(JSON.parse(JSON.stringify(tree))).toEqual(tree);
    expect(tree).toMatchObject({ kind: 'manager', status: 'running' });
    expect(tree.children.map((c) => [c.id, c.kind, c.status, c.restart])).toEqual([
      ['alpha', 'session', 'running', 'temporary'],
      ['beta', 'session', 'running', 'temporary'],
    ]);
    // A session is one actor, its own supervisor: its children are directly beneath it.
    const alpha = tree.children[0]!;
    expect(alpha).toMatchObject({
      id: 'alpha',
      kind: 'session',
      key: 'session_supervisor:alpha',
      status: 'running',
      state: 'running.idle',
    });
    expect(alpha.children.map((c) => [c.id, c.status, c.restarts, c.state])).toEqual([
      ['helper', 'running', 1, 'working'],
      ['agent', 'running', 0, 'working'],
    ]);

    const team = find(tree, 'team')!;
    expect(team.kind).toBe('supervisor');
    expect(team.children.map((c) => c.id)).toEqual(['w1', 'w2']);
    const proc = find(tree, 'proc')!;
    expect(proc.kind).toBe('process');
    expect(proc.children).toEqual([]); // its runner is an internal
    // Supervisors' own bookkeeping actors are not shown.
    expect(JSON.stringify(tree)).not.toContain('otp.lifeline');

    // A process's pid appears once it has spawned.
    await expect.poll(() => find(supervisionTree(manager), 'proc')?.pid).toBeTypeOf('number');
    const pid = find(supervisionTree(manager), 'proc')!.pid!;
    await manager.stop();
    await waitForPidsGone([pid]);
    expect(supervisionTree(manager).children).toEqual([]);
  });

  it('shows stopped children of a supervisor with their status and no state', async () => {
    const manager = await createSessionManager();
    manager.createSession({
      id: 'gamma',
      children: [
        { id: 'once', logic: worker, input: { name: 'once', log: [] }, restart: 'transient' },
      ],
    });
    manager.getChild('gamma', 'once')!.send({ type: 'FINISH' });
    const session = find(supervisionTree(manager), 'gamma')!;
    expect(session.children).toEqual([
      {
        id: 'once',
        kind: 'actor',
        status: 'stopped',
        restart: 'transient',
        restarts: 0,
        children: [],
      },
    ]);
    await manager.stop();
  });
});
