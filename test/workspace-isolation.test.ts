import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { setup } from 'xstate';
import { takeEnvironment } from '../src/ground/index.js';
import {
  type ChildEnvironment,
  createSessionManager,
  fromProcess,
  type ProcessInput,
  type ProcessOutput,
} from '../src/index.js';
import { waitForPidsGone } from '../src/testing/index.js';
import { pidCollector } from './helpers/processes.js';
import { branches, linkedWorktrees, makeRepo, tempDir } from './helpers/workspaces.js';

interface StepsInput {
  runs: ProcessInput[];
  outputs: ProcessOutput[];
  environment?: ChildEnvironment;
}

/**
 * Runs its process inputs one after the other (none with a `cwd`), keeping
 * every output. It takes the session's environment and hands it to each
 * process it invokes: that is how they run in the session's workspace.
 */
const steps = takeEnvironment(
  setup({
    types: {
      input: {} as StepsInput,
      context: {} as StepsInput & { index: number },
    },
    actors: { run: fromProcess() },
    guards: { wasLast: ({ context }) => context.index === context.runs.length - 1 },
    actions: {
      keep: ({ context, event }) => {
        context.outputs.push((event as unknown as { output: ProcessOutput }).output);
      },
    },
  }).createMachine({
    context: ({ input }) => ({ ...input, index: 0 }),
    initial: 'running',
    states: {
      running: {
        invoke: {
          src: 'run',
          input: ({ context }) => ({
            ...context.runs[context.index]!,
            environment: context.environment,
          }),
          onDone: [
            { guard: 'wasLast', target: 'done', actions: 'keep' },
            {
              target: 'running',
              reenter: true,
              actions: ['keep', ({ context }) => void context.index++],
            },
          ],
        },
      },
      done: { type: 'final' },
    },
  }),
);

const writeFile = (name: string): ProcessInput => ({
  command: process.execPath,
  args: ['-e', `require('node:fs').writeFileSync(${JSON.stringify(name)}, 'work')`],
});

describe('each session works in its own workspace', () => {
  test('two sessions on one repository: two worktrees on two branches, each process in its own', async () => {
    const repo = makeRepo();
    const root = tempDir('root');
    const { pids, inspect } = pidCollector();
    const manager = await createSessionManager({ workspaceRoot: root, inspect });
    const seen: ChildEnvironment[] = [];
    const outputs: Record<string, ProcessOutput[]> = { a: [], b: [] };
    const sessions = (['a', 'b'] as const).map((id) =>
      manager.createSession({
        id,
        autoShutdown: 'any_significant',
        workspace: { kind: 'git-worktree', repo, keep: 'always' },
        children: [
          {
            id: 'work',
            logic: steps,
            restart: 'transient',
            significant: true,
            // A function of the session's environment: called with the workspace.
            input: (environment: ChildEnvironment) => {
              seen.push(environment);
              return {
                outputs: outputs[id],
                runs: [
                  writeFile(`note-${id}.txt`),
                  {
                    command: 'git',
                    args: ['rev-parse', '--show-toplevel', '--abbrev-ref', 'HEAD'],
                  },
                  { command: 'git', args: ['status', '--porcelain'] },
                ],
              };
            },
          },
        ],
      }),
    );
    const records = await Promise.all(sessions.map((s) => s.done));
    expect(records.map((r) => r.outcome)).toEqual(['completed', 'completed']);

    for (const id of ['a', 'b'] as const) {
      const other = id === 'a' ? 'b' : 'a';
      const path = join(root, id);
      const [written, where, status] = outputs[id]!;
      expect(written!.exitCode).toBe(0);
      expect(where!.stdoutTail.trim().split('\n')).toEqual([path, `xstate-otp/${id}`]);
      // Its own file, untracked in its own tree; nothing of the other session.
      expect(status!.stdoutTail.trim()).toBe(`?? note-${id}.txt`);
      expect(existsSync(join(path, `note-${id}.txt`))).toBe(true);
      expect(existsSync(join(path, `note-${other}.txt`))).toBe(false);
      expect(existsSync(join(repo, `note-${id}.txt`))).toBe(false);
      expect(manager.getSession(id)!.workspace).toEqual({
        path,
        branch: `xstate-otp/${id}`,
        kept: true,
      });
    }
    expect(seen.map((e) => e.sessionId).sort()).toEqual(['a', 'b']);
    for (const environment of seen) {
      expect(environment.workspace).toEqual({
        path: join(root, environment.sessionId!),
        branch: `xstate-otp/${environment.sessionId}`,
      });
    }
    expect(linkedWorktrees(repo)).toEqual([
      { path: join(root, 'a'), branch: 'xstate-otp/a', prunable: false },
      { path: join(root, 'b'), branch: 'xstate-otp/b', prunable: false },
    ]);
    expect(branches(repo)).toEqual(['main', 'xstate-otp/a', 'xstate-otp/b']);
    await manager.stop();
    expect(pids.size).toBe(6);
    await waitForPidsGone([...pids]);
  });

  test('a temp-dir workspace: an empty directory of its own, the cwd of its processes, removed at the end', async () => {
    const root = tempDir('root');
    const { pids, inspect } = pidCollector();
    const manager = await createSessionManager({ workspaceRoot: root, inspect });
    const outputs: ProcessOutput[] = [];
    const session = manager.createSession({
      id: 'scratch',
      autoShutdown: 'any_significant',
      workspace: { kind: 'temp-dir', keep: 'never' },
      children: [
        {
          id: 'work',
          logic: steps,
          restart: 'transient',
          significant: true,
          input: {
            outputs,
            runs: [
              {
                command: process.execPath,
                args: [
                  '-e',
                  "process.stdout.write(process.cwd() + ' ' + require('node:fs').readdirSync('.').length)",
                ],
              },
            ],
          },
        },
      ],
    });
    expect((await session.done).outcome).toBe('completed');
    expect(outputs[0]!.stdoutTail).toBe(`${join(root, 'scratch')} 0`);
    expect(existsSync(join(root, 'scratch'))).toBe(false);
    expect(readdirSync(root)).toEqual([]);
    expect(manager.getSession('scratch')!.workspace).toEqual({
      path: join(root, 'scratch'),
      kept: false,
    });
    await manager.stop();
    await waitForPidsGone([...pids]);
  });
});
