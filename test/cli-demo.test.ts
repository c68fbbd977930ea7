/**
 * `xstate-otp demo --fast` from the built package: mixed outcomes, a summary
 * and exit 0; a second run shows the first from the journal; `--inspect`
 * records every actor; no process is left behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionRecord } from '../src/inspect/inspectionRecord.js';
import { waitForPidsGone } from '../src/testing/index.js';
import { type CliResult, ensureBuilt, repoRoot, runCli } from './helpers/cli.js';

const SCRIPTED = [
  ['build', 'completed', 0],
  ['flaky', 'failed', 2],
  ['crash', 'failed', 0],
  ['cancel', 'cancelled', 0],
  ['slow', 'timed_out', 0],
  ['daemon', 'completed', 0],
] as const;

let dir: string;
let first: CliResult;
let second: CliResult;
const inspectPath = () => join(dir, 'inspect', 'run1.jsonl');

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'xstate-otp-demo-'));
  first = await runCli(['demo', '--fast', '--inspect', 'inspect/run1.jsonl'], { cwd: dir });
  second = await runCli(['demo', '--fast'], { cwd: dir });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('xstate-otp demo (built)', () => {
  it('runs six sessions to their scripted outcomes, prints a summary and exits 0', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const out = first.stdout;
    expect(out).toContain(`Journal: ${join(dir, '.xstate-otp', 'journal.jsonl')}`);
    expect(out).toContain('The journal is empty: this is the first run.');
    // Plain lines (not a terminal): each session's changes as they happen.
    for (const [name, outcome, restarts] of SCRIPTED) {
      const ended = new RegExp(
        `^\\s+\\d+\\.\\d\\ds  run1-${name}\\s+${outcome}\\s+after \\S+, ${restarts} restarts?`,
        'm',
      );
      expect(out).toMatch(ended);
      expect(out).toMatch(new RegExp(`^\\s+\\d+\\.\\d\\ds  run1-${name}\\s+running`, 'm'));
    }
    expect(out).toMatch(/run1-flaky\s+restart 1\n/);
    expect(out).toMatch(/run1-flaky\s+restart 2\n/);
    expect(out).toContain('Run run1 finished in ');
    expect(out).toContain('6 sessions: 2 completed, 2 failed, 1 cancelled, 1 timed_out.');
    expect(out).toContain('Every outcome is the scripted one.');
    expect(out).toContain('No process left behind');
  });

  it('a second run shows the first run from the journal, then runs as run2', () => {
    expect(second.code).toBe(0);
    const [before, after] = second.stdout.split('Run run2:');
    expect(before).toContain(
      'From the journal: 6 sessions: 2 completed, 2 failed, 1 cancelled, 1 timed_out.',
    );
    for (const [name, outcome] of SCRIPTED) {
      expect(before).toMatch(new RegExp(`^  run1-${name}\\s+${outcome}\\s`, 'm'));
    }
    expect(after).toContain('Run run2 finished in ');
  });

  it('ends with a command that lists the runs when pasted into a shell where the demo ran', async () => {
    const journal = join(dir, '.xstate-otp', 'journal.jsonl');
    const lines = second.stdout.split('\n');
    const hint = lines[lines.lastIndexOf(`Journal: ${journal}`) + 1]!.trim();
    // The demo ran outside the package's directory: npx finds the command only from there.
    expect(hint).toBe(`cd ${repoRoot} && npx xstate-otp sessions --journal ${journal}`);
    const result = spawnSync('sh', ['-c', hint], { cwd: dir, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('12 sessions: 4 completed, 4 failed, 2 cancelled, 2 timed_out');
  });

  it('sessions --json lists both runs, in created order', async () => {
    const result = await runCli(['sessions', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { id: string; outcome: string; restarts: number }[];
    const expected = ['run1', 'run2'].flatMap((run) =>
      SCRIPTED.map(([name, outcome, restarts]) => ({ id: `${run}-${name}`, outcome, restarts })),
    );
    expect(rows.map(({ id, outcome, restarts }) => ({ id, outcome, restarts }))).toEqual(expected);
  });

  it('--inspect writes an @xstate.actor event for every actor of the run', () => {
    const records = readFileSync(inspectPath(), 'utf8')
      .trimEnd()
      .split('\n')
      .map((text) => JSON.parse(text) as InspectionRecord);
    const announced = records.filter((r) => r.type === '@xstate.actor');
    const announcedIds = new Set(announced.map((r) => r.sessionId));
    // Every actor that shows up anywhere in the file was announced first.
    for (const record of records) expect(announcedIds).toContain(record.sessionId);
    const rootId = announced[0]!.sessionId;
    expect(announced.every((r) => r.rootSessionId === rootId)).toBe(true);

    // Supervisors' own bookkeeping actors (otp.escalate) are not the point here.
    const byParent = (parent: string, actorId?: string) =>
      announced.filter(
        (r) =>
          r.parentSessionId === parent &&
          !r.actorId.startsWith('otp.') &&
          (actorId === undefined || r.actorId === actorId),
      );
    const sessions = byParent(rootId);
    expect(sessions.map((r) => r.actorId).sort()).toEqual(
      SCRIPTED.map(([name]) => `run1-${name}`).sort(),
    );
    // Each session is one actor, its own supervisor: one process actor per run
    // of the agent directly beneath it, and nothing else.
    const runsPerSession: Record<string, number> = { flaky: 3 };
    for (const session of sessions) {
      expect(byParent(session.sessionId).every((r) => r.actorId === 'agent')).toBe(true);
      const agents = byParent(session.sessionId, 'agent');
      const name = session.actorId.replace('run1-', '');
      expect(agents).toHaveLength(runsPerSession[name] ?? 1);
    }
  });

  it('leaves no process behind: every pid the run announced is gone', async () => {
    const pids = new Set<number>();
    for (const text of readFileSync(inspectPath(), 'utf8').trimEnd().split('\n')) {
      const record = JSON.parse(text) as InspectionRecord;
      const event = record.event as { type: string; pid?: number; lines?: string[] } | undefined;
      if (event?.type === 'process.started' && typeof event.pid === 'number') pids.add(event.pid);
      for (const line of event?.type === 'process.output' ? (event.lines ?? []) : []) {
        const match = /^pid:(\d+)$/.exec(line);
        if (match) pids.add(Number(match[1]));
      }
    }
    // 8 process runs (flaky ran 3 times), plus the daemon's setsid child.
    expect(pids.size).toBe(9);
    await waitForPidsGone(pids, { timeoutMs: 1000 });
  });
});
