/**
 * Every example in examples/ runs, against the built package: the examples
 * import `xstate-otp` and `xstate-otp/testing` as a consumer would, which
 * resolve (package self-reference) to dist/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { SupervisionNode } from '../src/index.js';
import { waitForPidsGone } from '../src/testing/index.js';
import { ensureBuilt, repoRoot } from './helpers/cli.js';

beforeAll(() => {
  ensureBuilt();
});

function pidsOf(node: SupervisionNode): number[] {
  return [...(node.pid === undefined ? [] : [node.pid]), ...node.children.flatMap(pidsOf)];
}

describe('examples', () => {
  it('agent-composition: the orchestrator plans, gathers context through the registry, retries a failed step, and completes the session', async () => {
    const { main } = await import('../examples/agent-composition.js');
    const lines: string[] = [];
    const result = await main({ log: (line) => lines.push(line) });
    expect(result.record).toMatchObject({ sessionId: 'fix-date-parser', outcome: 'completed' });
    expect(result.keys).toEqual([
      'session_supervisor:fix-date-parser',
      'context:fix-date-parser',
      'orchestrator:fix-date-parser',
    ]);
    expect(result.output?.transcript).toEqual([
      'plan: read the failing test → patch the date parser → run the test suite',
      'step 1 (attempt 1, 2 notes of context): read the failing test → parseDate("2024-02-30") should throw',
      'step 2 (attempt 1, 3 notes of context): patch the date parser → parseDate validates the day of the month, so parseDate("2024-02-30") should throw',
      'step 3 (attempt 1) failed: 1 test failed: snapshot "dates.snap" is stale',
      'retry with: run the test suite and update the stale snapshot',
      'step 3 (attempt 2, 4 notes of context): run the test suite and update the stale snapshot → 42 tests passed, 1 snapshot updated',
    ]);
    expect(lines.at(-1)).toBe('session fix-date-parser: completed');
  });

  it('agent-composition: an agent that keeps giving up is restarted until the session fails at its limit', async () => {
    const { main, scriptedModel } = await import('../examples/agent-composition.js');
    const result = await main({
      model: scriptedModel(),
      tools: {
        run: async () => {
          throw new Error('disk full');
        },
      },
      log: () => {},
    });
    // Each orchestrator tries step 1 three times, then crashes; its
    // supervisor restarts it 3 times (the default intensity), then gives up.
    expect(result.record).toMatchObject({ outcome: 'failed', restarts: 3 });
    expect(result.record.reason).toMatch(/"orchestrator".*failed 3 times: disk full/);
    expect(result.output).toBeUndefined();
  });

  it('process-sessions: completed, completed after a restart, timed out; the journal reads them back', async () => {
    const { main } = await import('../examples/process-sessions.js');
    const result = await main({ log: () => {} });
    expect(result.records.map((r) => [r.sessionId, r.outcome, r.restarts])).toEqual([
      ['lint', 'completed', 0],
      ['tests', 'completed', 1],
      ['server', 'timed_out', 0],
    ]);
    expect(result.lintOutput).toEqual(['checked 12 files', 'no problems']);
    expect(result.reopened).toEqual([
      { id: 'lint', state: 'completed', restarts: 0 },
      { id: 'tests', state: 'completed', restarts: 1 },
      { id: 'server', state: 'timed_out', restarts: 0 },
    ]);
    // Each session is one actor, registered as its supervisor.
    const sessions = result.tree.children;
    expect(sessions.map((s) => s.key)).toEqual([
      'session_supervisor:lint',
      'session_supervisor:tests',
      'session_supervisor:server',
    ]);
    await waitForPidsGone(pidsOf(result.tree), { timeoutMs: 1000 });
  });

  it('durable-agent: a host killed with SIGKILL; the next run resumes the session from its checkpoint and restarts the CLI with --resume', async () => {
    const { main } = await import('../examples/durable-agent.js');
    const lines: string[] = [];
    const result = await main({ log: (line) => lines.push(line) });
    expect(result.resumed).toMatchObject({ id: 'pr-42', state: 'running', attempt: 2 });
    expect(result.context).toEqual({ pr: 42, agentSessionId: 'agent-42', approvals: 2 });
    expect(result.record).toMatchObject({ id: 'pr-42', outcome: 'completed', attempt: 2 });
    expect(lines).toEqual([
      `host ${result.hostPid} killed with SIGKILL`,
      'cli restarted with --resume agent-42',
      'pr-42 resumed: attempt 2, 2 approvals',
      'pr-42 completed after 2 attempts',
    ]);
    await waitForPidsGone([result.hostPid]);
  });

  it('testing-harness: the consumer-side scenario passes its own assertions', async () => {
    const { main } = await import('../examples/testing-harness.js');
    const result = await main({ log: () => {} });
    expect(result.records.map((r) => r.outcome)).toEqual([
      'completed',
      'failed',
      'failed',
      'cancelled',
      'timed_out',
      'completed',
    ]);
    expect(result.timedOut.outcome).toBe('timed_out');
  });

  it('readme: the README example is examples/readme.ts, verbatim, and it runs', async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const example = readFileSync(join(repoRoot, 'examples', 'readme.ts'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import('../examples/readme.js');
      expect(log).toHaveBeenCalledWith('completed', 0);
    } finally {
      log.mockRestore();
    }
  });
});
