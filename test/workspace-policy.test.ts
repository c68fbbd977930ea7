import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  createMemoryJournal,
  createSessionManager,
  type KeepPolicy,
  type Outcome,
  type SessionManager,
  type SessionSpec,
} from '../src/index.js';
import { keepsWorkspace } from '../src/workspace/index.js';
import { workerSpecs } from './helpers/workers.js';
import { branches, linkedWorktrees, makeRepo, tempDir, waitForRow } from './helpers/workspaces.js';

type Ending = 'completed' | 'failed' | 'cancelled';

/** Children that let the test pick the outcome: FINISH the agent, CRASH the helper, or cancel. */
function specFor(id: string, workspace: SessionSpec['workspace']): SessionSpec {
  return {
    id,
    intensity: 0,
    autoShutdown: 'any_significant',
    workspace,
    children: [
      ...workerSpecs(['helper'], []),
      ...workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
    ],
  };
}

async function end(manager: SessionManager, id: string, ending: Ending): Promise<void> {
  if (ending === 'completed') manager.getChild(id, 'agent')!.send({ type: 'FINISH' });
  if (ending === 'failed') manager.getChild(id, 'helper')!.send({ type: 'CRASH' });
  if (ending === 'cancelled') await manager.terminateSession(id);
}

const policies: KeepPolicy[] = ['never', 'on_failure', 'always'];
const endings: Ending[] = ['completed', 'failed', 'cancelled'];
const cases = policies.flatMap((keep) => endings.map((ending) => ({ keep, ending })));

describe('keep policy × outcome, git worktrees', () => {
  test.each(cases)('keep $keep, session $ending', async ({ keep, ending }) => {
    const repo = makeRepo();
    const root = tempDir('root');
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, workspaceRoot: root });
    const id = `s-${keep}-${ending}`;
    const path = join(root, id);
    const branch = `xstate-otp/${id}`;
    const session = manager.createSession(specFor(id, { kind: 'git-worktree', repo, keep }));

    const running = await waitForRow(manager, id, (row) => row.state === 'running');
    expect(running.workspace).toEqual({ path, branch });
    expect(linkedWorktrees(repo)).toEqual([{ path, branch, prunable: false }]);
    // Work in progress: an untracked file means removal has to force.
    writeFileSync(join(path, 'draft.txt'), 'half done');

    await end(manager, id, ending);
    const record = await session.done;
    expect(record.outcome).toBe(ending);

    const kept = keepsWorkspace(keep, ending);
    expect(kept).toBe(keep === 'always' || (keep === 'on_failure' && ending === 'failed'));
    expect(existsSync(path)).toBe(kept);
    expect(existsSync(join(path, 'draft.txt'))).toBe(kept);
    expect(linkedWorktrees(repo)).toEqual(kept ? [{ path, branch, prunable: false }] : []);
    expect(branches(repo)).toEqual(kept ? ['main', branch] : ['main']);
    expect(manager.getSession(id)!.workspace).toEqual({ path, branch, kept });
    // The journal knows what was made and what became of it, before the terminal record.
    const types = journal
      .records()
      .filter((r) => r.sessionId === id)
      .map((r) => (r.type === 'workspace' ? `workspace:${String(r.status)}` : r.type));
    expect(types).toEqual([
      'created',
      'workspace:creating',
      'started',
      `workspace:${kept ? 'kept' : 'removed'}`,
      'terminal',
    ]);
    await manager.stop();
  });

  test('on_failure keeps the worktree of a session that timed out (under a SimulatedClock)', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const clock = new SimulatedClock();
    const manager = await createSessionManager({ workspaceRoot: root, clock });
    const session = manager.createSession({
      ...specFor('slow', { kind: 'git-worktree', repo, baseRef: 'v1' }),
      timeoutMs: 1000,
    });
    await waitForRow(manager, 'slow', (row) => row.state === 'running');
    clock.increment(1000);
    expect((await session.done).outcome).toBe('timed_out');
    expect(existsSync(join(root, 'slow'))).toBe(true);
    expect(branches(repo)).toEqual(['main', 'xstate-otp/slow']);
    expect(manager.getSession('slow')!.workspace?.kept).toBe(true);
    await manager.stop();
  });

  test('the view shows stopping while the workspace is released, and the outcome is unchanged', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const manager = await createSessionManager({ workspaceRoot: root });
    const states: string[] = [];
    manager.dashboard.subscribe(({ context }) => {
      const state = context.rows.get('w')?.state;
      if (state && states.at(-1) !== state) states.push(state);
    });
    const session = manager.createSession(
      specFor('w', { kind: 'git-worktree', repo, keep: 'never' }),
    );
    await waitForRow(manager, 'w', (row) => row.state === 'running');
    manager.getChild('w', 'agent')!.send({ type: 'FINISH' });
    // A cancel that arrives while the workspace is being released changes nothing.
    await waitForRow(manager, 'w', (row) => row.state === 'stopping');
    const again = manager.terminateSession('w');
    expect((await session.done).outcome).toBe('completed');
    expect((await again).outcome).toBe('completed');
    expect(states).toEqual(['starting', 'running', 'stopping', 'completed']);
    await manager.stop();
  });
});

describe('keep policy × outcome, temp dirs', () => {
  const tempCases: { keep: KeepPolicy; ending: Ending }[] = [
    { keep: 'never', ending: 'failed' },
    { keep: 'on_failure', ending: 'completed' },
    { keep: 'on_failure', ending: 'failed' },
    { keep: 'on_failure', ending: 'cancelled' },
    { keep: 'always', ending: 'cancelled' },
  ];
  test.each(tempCases)('keep $keep, session $ending', async ({ keep, ending }) => {
    const root = tempDir('root');
    const manager = await createSessionManager({ workspaceRoot: root });
    const session = manager.createSession(specFor('t', { kind: 'temp-dir', keep }));
    await waitForRow(manager, 't', (row) => row.state === 'running');
    writeFileSync(join(root, 't', 'scratch.txt'), 'x');
    await end(manager, 't', ending);
    expect((await session.done).outcome).toBe(ending);
    const kept = keepsWorkspace(keep, ending);
    expect(readdirSync(root)).toEqual(kept ? ['t'] : []);
    expect(manager.getSession('t')!.workspace).toEqual({ path: join(root, 't'), kept });
    await manager.stop();
  });
});

describe('keepsWorkspace', () => {
  test('on_failure keeps after failed, timed_out and interrupted only', () => {
    const outcomes: Outcome[] = ['completed', 'failed', 'cancelled', 'timed_out', 'interrupted'];
    expect(outcomes.filter((o) => keepsWorkspace('on_failure', o))).toEqual([
      'failed',
      'timed_out',
      'interrupted',
    ]);
    expect(outcomes.filter((o) => keepsWorkspace('never', o))).toEqual([]);
    expect(outcomes.filter((o) => keepsWorkspace('always', o))).toEqual(outcomes);
  });
});
