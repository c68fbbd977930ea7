/**
 * Durable session types for the durable-session tests and host fixtures.
 *
 * - `counter`: one machine child, `counter`, that counts INC events and ends
 *   the session (significant, transient) on FINISH. Its context is plain JSON,
 *   so it is checkpointed after every INC.
 * - `agent`: the counter plus a process child, `cli`, which appends its
 *   first argument and its pid to the file named by the input's `log`, then sleeps. On
 *   a resumed attempt the process is started with `resumeInput`:
 *   `resumed:<count at the last checkpoint>`.
 * - `fragile`: a counter whose `resume` is `'never'`.
 * - `workspace`: the counter in a workspace: a git worktree of the input's
 *   `repo`, else a temp dir, kept per its `keep`. With a `log`, a process
 *   child `cli` (started afresh on every attempt) appends its pid and its
 *   cwd to that file, then sleeps. `never: true` makes the counter's
 *   `resume` `'never'`.
 * - `dated`: a machine that puts a Date in its context on TOUCH.
 *
 * `resumedOnSecondHost(journal)`: a `counter` session `resumed` that host-a
 * counted to 3 and handed off, resumed by host-b's manager (attempt 2),
 * which is returned running.
 */
import { assign, setup } from 'xstate';
import { createSessionManager, fromProcess, type SessionManager } from '../../src/index.js';
import type { SessionType } from '../../src/manager/sessionSpec.js';
import type { KeepPolicy } from '../../src/workspace/types.js';

export const counterMachine = setup({
  types: {
    context: {} as { count: number; touched?: unknown },
    events: {} as { type: 'INC' } | { type: 'FINISH' } | { type: 'TOUCH' },
  },
}).createMachine({
  id: 'counter',
  context: { count: 0 },
  initial: 'counting',
  states: {
    counting: {
      on: {
        INC: { actions: assign({ count: ({ context }) => context.count + 1 }) },
        TOUCH: { actions: assign({ touched: () => new Date(0) }) },
        FINISH: 'finished',
      },
    },
    finished: { type: 'final' },
  },
});

const counterChild = {
  id: 'counter',
  logic: counterMachine,
  restart: 'transient' as const,
  significant: true,
};

const cliScript = 'printf "%s %s\\n" "$1" "$$" >> "$2"; exec sleep 600';

const whereScript = 'printf "%s %s\\n" "$$" "$PWD" >> "$1"; exec sleep 600';

export interface WorkspaceTypeInput {
  repo?: string;
  keep?: KeepPolicy;
  log?: string;
  never?: boolean;
}

export const durableTypes: Record<string, SessionType> = {
  workspace: ({ repo, keep = 'on_failure', log, never }: WorkspaceTypeInput) => ({
    autoShutdown: 'any_significant',
    workspace: repo ? { kind: 'git-worktree', repo, keep } : { kind: 'temp-dir', keep },
    children: [
      never ? { ...counterChild, resume: 'never' } : counterChild,
      ...(log
        ? [
            {
              id: 'cli',
              logic: fromProcess(),
              input: { command: 'sh', args: ['-c', whereScript, 'sh', log] },
            },
          ]
        : []),
    ],
  }),
  counter: () => ({ autoShutdown: 'any_significant', children: [counterChild] }),
  fragile: () => ({
    autoShutdown: 'any_significant',
    children: [{ ...counterChild, resume: 'never' }],
  }),
  agent: (input: { log: string }) => ({
    autoShutdown: 'any_significant',
    children: [
      counterChild,
      {
        id: 'cli',
        logic: fromProcess(),
        input: { command: 'sh', args: ['-c', cliScript, 'sh', 'fresh', input.log] },
        resumeInput: (last) => {
          const counter = last.contexts.counter as { count: number };
          return {
            command: 'sh',
            args: ['-c', cliScript, 'sh', `resumed:${counter.count}`, input.log],
          };
        },
      },
    ],
  }),
};

export async function resumedOnSecondHost(journal: string): Promise<SessionManager> {
  const first = await createSessionManager({
    journal,
    hostId: 'host-a',
    sessionTypes: durableTypes,
  });
  const handedOff = first.createSession({
    id: 'resumed',
    type: 'counter',
    metadata: { title: 'Resumed after a hand-off' },
  });
  for (let i = 0; i < 3; i++) await first.send('resumed', 'counter', { type: 'INC' });
  await first.stop({ handOff: true });
  // A handed-off session's handle rejects `stopped`: it lives on in the next run.
  const stopped = await handedOff.done.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
  if (stopped !== 'stopped') throw new Error(`hand-off: done settled with ${stopped}`);
  const second = await createSessionManager({
    journal,
    hostId: 'host-b',
    sessionTypes: durableTypes,
  });
  const view = second.getSession('resumed');
  if (view?.state !== 'running' || view.attempt !== 2) {
    await second.stop();
    throw new Error(`not resumed as attempt 2: ${JSON.stringify(view)}`);
  }
  return second;
}
