/**
 * Process sessions: external programs as supervised children, outcomes in
 * a file journal, and a restarted manager that reads them back.
 *
 *   npm run build && npx node examples/process-sessions.ts
 *
 * Three sessions, each running one program with `fromProcess()`:
 *
 * - `lint` exits 0: the session completes. Its output lines are followed
 *   through the `process.output` events of the child actor.
 * - `tests` fails on its first run and passes on the second (a flaky test
 *   suite): `transient` restarts it after the failure, and the session
 *   completes with one restart.
 * - `server` never exits: its session's `timeoutMs` ends it `timed_out`,
 *   and its process tree is killed (SIGTERM, then SIGKILL after the grace).
 *
 * While they run, `supervisionTree(manager)` shows who supervises whom. A
 * second manager on the same journal then lists the three outcomes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ChildSpec,
  createSessionManager,
  fromProcess,
  type ProcessInput,
  type SessionSpec,
  type SessionView,
  type SupervisionNode,
  supervisionTree,
  type TerminalRecord,
} from 'xstate-otp';

/** A Node one-liner as a `fromProcess` input: argument array, no shell. */
function node(script: string, extra: Partial<ProcessInput> = {}): ProcessInput {
  return { command: process.execPath, args: ['-e', script], forceKillAfterMs: 1000, ...extra };
}

/** One significant process child: the session ends when it does. */
function processSession(
  id: string,
  input: ProcessInput,
  extra: Partial<SessionSpec> = {},
): SessionSpec {
  const agent: ChildSpec = {
    id: 'agent',
    logic: fromProcess(),
    input,
    restart: 'transient', // restarted after a failure, not after a clean exit
    significant: true,
    shutdown: 2000, // grace between SIGTERM and the supervisor giving up on it
  };
  return { id, autoShutdown: 'any_significant', intensity: 2, children: [agent], ...extra };
}

/** `supervisionTree` as indented lines: `lint (session, running) … agent (process, running)`. */
function treeLines(node: SupervisionNode, depth = 0): string[] {
  const key = node.key ? ` [${node.key}]` : '';
  const pid = node.pid ? ` pid ${node.pid}` : '';
  const line = `${'  '.repeat(depth)}${node.id} (${node.kind}, ${node.status})${key}${pid}`;
  return [line, ...node.children.flatMap((child) => treeLines(child, depth + 1))];
}

export interface ProcessSessionsResult {
  records: TerminalRecord[];
  lintOutput: string[];
  /** The supervision tree while `server` was running. */
  tree: SupervisionNode;
  /** What a second manager on the same journal shows. */
  reopened: Pick<SessionView, 'id' | 'state' | 'restarts'>[];
}

export async function main(
  options: { log?: (line: string) => void } = {},
): Promise<ProcessSessionsResult> {
  const log = options.log ?? console.log;
  const dir = mkdtempSync(join(tmpdir(), 'xstate-otp-example-'));
  const journal = join(dir, 'journal.jsonl');
  try {
    const manager = await createSessionManager({ journal });

    const lint = manager.createSession(
      processSession('lint', node('console.log("checked 12 files"); console.log("no problems")')),
    );
    const lintOutput: string[] = [];
    manager.getChild('lint', 'agent')!.on('process.output', ({ line }: { line: string }) => {
      lintOutput.push(line);
    });

    // Fails the first time (no marker file yet), passes the second.
    const marker = join(dir, 'tests-ran-once');
    const flaky = `const fs = require('node:fs');
      if (!fs.existsSync(${JSON.stringify(marker)})) {
        fs.writeFileSync(${JSON.stringify(marker)}, '');
        console.error('1 test failed'); process.exit(1);
      }
      console.log('all tests passed');`;
    const tests = manager.createSession(processSession('tests', node(flaky)));

    const server = manager.createSession(
      processSession('server', node('console.log("listening"); setInterval(() => {}, 1000)'), {
        timeoutMs: 500,
      }),
    );

    const tree = supervisionTree(manager);
    for (const line of treeLines(tree)) log(line);
    const records = await Promise.all([lint.done, tests.done, server.done]);
    await manager.stop();
    for (const record of records) {
      log(
        `${record.sessionId}: ${record.outcome} (${record.restarts} restarts)${record.reason ? ` — ${record.reason}` : ''}`,
      );
    }

    // A new manager replays the journal: the sessions are there, ended.
    const again = await createSessionManager({ journal });
    const reopened = again
      .listSessions()
      .map(({ id, state, restarts }) => ({ id, state, restarts }));
    await again.stop();
    log(`from the journal: ${reopened.map((row) => `${row.id} ${row.state}`).join(', ')}`);
    return { records, lintOutput, tree, reopened };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
