/**
 * A durable agent session survives a kill -9 of its host.
 *
 *   npm run build && npx node examples/durable-agent.ts
 *
 * The session type `review` has two children:
 *
 * - `agent`, a machine that keeps the agent CLI's own session id and the
 *   approvals so far in its context. It is checkpointed to the journal after
 *   every change, and restored from there on the next run.
 * - `cli`, the agent CLI itself (here a Node one-liner that prints its
 *   arguments and waits). A process cannot be snapshotted: on the next run
 *   it is started again, with `resumeInput(last)`, which passes
 *   `--resume <agentSessionId>` read from the agent's last checkpoint.
 *
 * `main()` runs this file again as a child process (the host), which creates
 * the session and awaits `send(APPROVE)`: once that resolves, the approval is
 * on disk. It then kills the host with SIGKILL, opens a manager on the same
 * journal (which resumes the session before it resolves), and finishes it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assign, setup } from 'xstate';
import {
  createSessionManager,
  fromProcess,
  type ProcessInput,
  type SessionType,
  type SessionView,
} from 'xstate-otp';

const reviewAgent = setup({
  types: {
    input: {} as { pr: number },
    context: {} as { pr: number; agentSessionId: string; approvals: number },
    events: {} as { type: 'APPROVE' } | { type: 'MERGE' },
  },
}).createMachine({
  id: 'reviewAgent',
  context: ({ input }) => ({ pr: input.pr, agentSessionId: `agent-${input.pr}`, approvals: 0 }),
  initial: 'reviewing',
  states: {
    reviewing: {
      on: {
        APPROVE: { actions: assign({ approvals: ({ context }) => context.approvals + 1 }) },
        MERGE: 'merged',
      },
    },
    merged: { type: 'final' },
  },
});

/** The stand-in agent CLI: prints its arguments, then works until stopped. */
function agentCli(args: string[]): ProcessInput {
  const script = 'console.log(process.argv.slice(1).join(" ")); setInterval(() => {}, 1e9)';
  return { command: process.execPath, args: ['-e', script, '--', ...args], forceKillAfterMs: 1000 };
}

export function sessionTypes(log: (line: string) => void): Record<string, SessionType> {
  return {
    review: (input: { repo: string; pr: number }) => ({
      autoShutdown: 'any_significant',
      children: [
        // A machine: resume 'snapshot' by default.
        {
          id: 'agent',
          logic: reviewAgent,
          input: { pr: input.pr },
          restart: 'transient',
          significant: true,
        },
        // A process: resume 'restart' by default, with this input on a resumed attempt.
        {
          id: 'cli',
          logic: fromProcess(),
          input: agentCli(['-p', `review ${input.repo}#${input.pr}`]),
          resumeInput: (last) => {
            const agent = last.contexts.agent as { agentSessionId: string };
            log(`cli restarted with --resume ${agent.agentSessionId}`);
            return agentCli(['--resume', agent.agentSessionId]);
          },
        },
      ],
    }),
  };
}

/** The host that gets killed: creates the session, approves twice, says so. */
async function host(journal: string): Promise<void> {
  const manager = await createSessionManager({
    journal,
    hostId: 'host-1',
    sessionTypes: sessionTypes(() => {}),
  });
  manager.createSession({ id: 'pr-42', type: 'review', input: { repo: 'x/y', pr: 42 } });
  await manager.send('pr-42', 'agent', { type: 'APPROVE' });
  await manager.send('pr-42', 'agent', { type: 'APPROVE' });
  // Both approvals are durable now: nothing after this line can lose them.
  process.stdout.write('approved\n');
  setInterval(() => {}, 1 << 30);
}

function runHost(journal: string): ChildProcess {
  return spawn(process.execPath, [fileURLToPath(import.meta.url), 'host', journal], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

export interface DurableAgentResult {
  /** The session as the resuming manager showed it. */
  resumed: SessionView;
  /** The agent's context restored from its checkpoint. */
  context: { pr: number; agentSessionId: string; approvals: number };
  /** How it ended, read back from the journal. */
  record: SessionView;
  /** The host's pid (killed). */
  hostPid: number;
}

export async function main(
  options: { log?: (line: string) => void } = {},
): Promise<DurableAgentResult> {
  const log = options.log ?? console.log;
  const dir = mkdtempSync(join(tmpdir(), 'xstate-otp-durable-agent-'));
  const journal = join(dir, 'journal.jsonl');
  try {
    const first = runHost(journal);
    await new Promise<void>((resolve, reject) => {
      first.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('approved')) resolve();
      });
      first.on('exit', (code) => reject(new Error(`the host exited early (${code})`)));
    });
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    log(`host ${first.pid} killed with SIGKILL`);

    // The next run resumes the session before it resolves.
    const manager = await createSessionManager({
      journal,
      hostId: 'host-2',
      sessionTypes: sessionTypes(log),
    });
    const resumed = { ...manager.getSession('pr-42')! };
    const context = manager.getChild('pr-42', 'agent')!.getSnapshot().context;
    log(`pr-42 resumed: attempt ${resumed.attempt}, ${context.approvals} approvals`);
    // The agent's final state ends the session (it is significant); stop waits for its record.
    await manager.send('pr-42', 'agent', { type: 'MERGE' });
    await manager.stop();
    const reader = await createSessionManager({ journal });
    const [record] = await reader.history({ limit: 1 });
    await reader.stop();
    log(`pr-42 ${record!.outcome} after ${record!.attempt} attempts`);
    return { resumed, context, record: record!, hostPid: first.pid! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'host') {
  await host(process.argv[3]!);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
