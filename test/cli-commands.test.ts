/**
 * The built `xstate-otp` command: help, bad arguments, `diagram`, and
 * `sessions` on good, torn, corrupt, missing and live journals.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionMachine, toMermaid } from '../src/index.js';
import { processMachine } from '../src/process/index.js';
import { supervisorMachine } from '../src/supervisor/index.js';
import { ensureBuilt, runCli } from './helpers/cli.js';
import { validateMermaid } from './helpers/mermaid.js';

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'xstate-otp-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, { cwd: dir });

/** A failure is exactly one line on stderr, nothing on stdout. */
function expectOneLineError(result: { stdout: string; stderr: string }, pattern: RegExp) {
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^xstate-otp: /);
  expect(result.stderr).toMatch(pattern);
}

const line = (record: Record<string, unknown>) => `${JSON.stringify(record)}\n`;
const created = (sessionId: string, at: number) =>
  line({ type: 'created', sessionId, at, metadata: { what: `script of ${sessionId}` } });
const started = (sessionId: string, at: number) => line({ type: 'started', sessionId, at });
const terminal = (sessionId: string, outcome: string, at: number, extra = {}) =>
  line({
    type: 'terminal',
    sessionId,
    at,
    outcome,
    createdAt: at - 1000,
    endedAt: at,
    restarts: 0,
    ...extra,
  });

function journalFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe.concurrent('xstate-otp (built)', () => {
  it('--help prints the usage and exits 0', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^xstate-otp — /);
    for (const command of ['demo', 'sessions', 'diagram']) {
      expect(result.stdout).toContain(`xstate-otp ${command}`);
    }
    expect((await cli([])).stdout).toBe(result.stdout);
  });

  it.each([
    [['diagram', '--help'], 'diagram'],
    [['diagram', 'session', '--help'], 'diagram'],
    [['demo', '--help'], 'demo'],
    [['sessions', '-h'], 'sessions'],
    [['help', 'sessions'], 'sessions'],
  ])('%j prints the usage of that command only, exit 0', async (args, command) => {
    const result = await cli(args);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage:\n  xstate-otp ${command} `));
    for (const other of ['demo', 'sessions', 'diagram'].filter((c) => c !== command)) {
      expect(result.stdout).not.toContain(`xstate-otp ${other}`);
    }
  });

  it('--version prints the package version', async () => {
    const result = await cli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['launch'], /unknown command 'launch'/],
    [['--bogus'], /unknown option '--bogus'/],
    [['demo', '--bogus'], /unknown option '--bogus' for 'demo'/],
    [['demo', 'extra'], /unexpected argument 'extra' for 'demo'/],
    [['demo', '--journal'], /option '--journal' needs a value/],
    [['demo', '--fast=yes'], /option '--fast' takes no value/],
    [['demo', '--pace', 'slow'], /option '--pace' needs a number > 0; got 'slow'/],
    [['demo', '--pace', '0'], /option '--pace' needs a number > 0/],
    [['demo', '--pace', '-1'], /option '--pace' needs a number > 0; got '-1'/],
    [['demo', '--pace', '-0.5'], /option '--pace' needs a number > 0; got '-0.5'/],
    [['--version', 'extra'], /unexpected argument 'extra' for '--version'/],
    [['--help', 'bogus'], /unexpected argument 'bogus' for '--help'/],
    [['help', 'bogus'], /unknown command 'bogus' for 'help'/],
    [['help', 'demo', 'extra'], /unexpected argument 'extra' for 'help demo'/],
    [['demo', '--fast', '--pace', '2'], /use either '--fast' or '--pace', not both/],
    [['sessions', '--journal', ''], /option '--journal' needs a non-empty value/],
    [['sessions', '--journal', '--json'], /option '--journal' needs a value/],
    [['diagram'], /'diagram' needs a machine: session, supervisor, process/],
    [['diagram', 'traffic'], /unknown machine 'traffic'/],
    [['diagram', 'session', 'supervisor'], /unexpected argument 'supervisor'/],
  ])('bad arguments %j: one line on stderr, exit 2', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expectOneLineError(result, message);
    expect(result.stderr).toContain("(see 'xstate-otp --help')");
  });

  describe('demo refuses a journal it cannot use', () => {
    it('a corrupt journal: one-line error naming the line, exit 1, nothing started', async () => {
      const path = journalFile('demo-corrupt.jsonl', `${created('a', 1)}{oops\n${created('b', 2)}`);
      const result = await cli(['demo', '--fast', '--journal', path]);
      expect(result.code).toBe(1);
      expectOneLineError(result, /is corrupt at line 2/);
    });

    it('a journal held by a live host: one-line error, exit 1', async () => {
      const path = journalFile('demo-locked.jsonl', '');
      writeFileSync(`${path}.lock`, `${process.pid}\n`);
      const result = await cli(['demo', '--fast', '--journal', path]);
      expect(result.code).toBe(1);
      expectOneLineError(result, /is locked/);
    });

    it('/dev/null: one-line error before anything is shown, exit 1', async () => {
      const result = await cli(['demo', '--fast', '--journal', '/dev/null']);
      expect(result.code).toBe(1);
      expectOneLineError(result, /\/dev\/null is not a regular file, so it cannot be a journal/);
    });

    it('a text file that is not a journal: refused as corrupt at line 1, left as it was', async () => {
      const path = journalFile('demo-notes.txt', 'hello world\n');
      const result = await cli(['demo', '--fast', '--journal', path]);
      expect(result.code).toBe(1);
      expectOneLineError(result, /is corrupt at line 1/);
      expect(readFileSync(path, 'utf8')).toBe('hello world\n');
    });

    it('a torn last line: the run goes ahead, and the header says where the line went', async () => {
      const torn = '{"type":"terminal","sessionId":"old","at":3,"outc';
      const kept = created('old', 1) + started('old', 2);
      const path = journalFile('demo-torn.jsonl', `${kept}${torn}`);
      const result = await cli(['demo', '--fast', '--journal', path]);
      expect(result.code).toBe(0);
      const note = new RegExp(
        `^Its last line was torn \\(${torn.length} bytes without a newline: a crash mid-write\\); it was moved to (${path}\\.torn-\\S+)\\.$`,
        'm',
      );
      const [, tornPath] = note.exec(result.stdout) ?? [];
      expect(tornPath).toBeDefined();
      expect(readFileSync(tornPath!, 'utf8')).toBe(torn);
      expect(readFileSync(path, 'utf8').startsWith(kept)).toBe(true);
    });

    it('an inspection file it cannot create: one-line error, exit 1', async () => {
      const blocker = journalFile('not-a-directory', '');
      const result = await cli(['demo', '--fast', '--inspect', join(blocker, 'events.jsonl')]);
      expect(result.code).toBe(1);
      expectOneLineError(result, /cannot write inspection events to /);
    });
  });

  describe('diagram', () => {
    const machines = {
      session: sessionMachine,
      supervisor: supervisorMachine,
      process: processMachine,
    };

    it.each(Object.entries(machines))(
      '%s prints toMermaid of the machine, valid Mermaid',
      async (name, machine) => {
        const result = await cli(['diagram', name]);
        expect(result.code).toBe(0);
        expect(result.stdout).toBe(toMermaid(machine));
        expect(await validateMermaid(result.stdout)).toEqual({
          valid: true,
          diagramType: 'stateDiagram',
        });
      },
    );

    it('--markdown wraps it in a mermaid fence', async () => {
      const result = await cli(['diagram', 'supervisor', '--markdown']);
      expect(result.stdout).toBe(`\`\`\`mermaid\n${toMermaid(supervisorMachine)}\`\`\`\n`);
    });
  });

  describe('sessions', () => {
    const t0 = Date.UTC(2025, 0, 2, 3, 4, 5);
    const journalText =
      created('s-ok', t0) +
      started('s-ok', t0 + 5) +
      created('s-bad', t0 + 10) +
      terminal('s-ok', 'completed', t0 + 3000) +
      terminal('s-bad', 'failed', t0 + 4000, { restarts: 2, reason: 'agent exited\nwith code 3' }) +
      created('s-cut', t0 + 20) +
      started('s-cut', t0 + 30);

    it('prints a table in created order with a count line, exit 0', async () => {
      const path = journalFile('table.jsonl', journalText);
      const result = await cli(['sessions', '--journal', path]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^SESSION\s+STATE\s+RESTARTS\s+CREATED\s+DURATION\s+REASON$/);
      expect(lines.slice(1, 4).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
        ['s-ok', 'completed', '0'],
        ['s-bad', 'failed', '2'],
        ['s-cut', 'interrupted*', '0'],
      ]);
      expect(lines[2]).toContain('agent exited with code 3'); // reasons stay on one line
      expect(lines[4]).toBe('3 sessions: 1 completed, 1 failed, 1 interrupted');
      expect(lines[5]).toMatch(/^\* no terminal record yet/);
    });

    it('--json prints the rows as a JSON array', async () => {
      const path = journalFile('json.jsonl', journalText);
      const result = await cli(['sessions', '--journal', path, '--json']);
      expect(result.code).toBe(0);
      const rows = JSON.parse(result.stdout);
      expect(rows).toEqual([
        {
          id: 's-ok',
          state: 'completed',
          outcome: 'completed',
          createdAt: t0,
          startedAt: t0 + 5,
          endedAt: t0 + 3000,
          restarts: 0,
          metadata: { what: 'script of s-ok' },
        },
        {
          id: 's-bad',
          state: 'failed',
          outcome: 'failed',
          reason: 'agent exited\nwith code 3',
          createdAt: t0 + 10,
          endedAt: t0 + 4000,
          restarts: 2,
          metadata: { what: 'script of s-bad' },
        },
        {
          id: 's-cut',
          state: 'interrupted',
          createdAt: t0 + 20,
          startedAt: t0 + 30,
          restarts: 0,
          metadata: { what: 'script of s-cut' },
          pending: true,
        },
      ]);
    });

    it('tolerates a torn last line, as the journal does, says so, and changes nothing', async () => {
      const torn = '{"type":"terminal","sessionId":"s-c';
      const path = journalFile('torn.jsonl', `${journalText}${torn}`);
      const result = await cli(['sessions', '--journal', path]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('3 sessions');
      expect(result.stdout).toContain(
        `The last line of the journal is torn (${torn.length} bytes without a newline`,
      );
      expect(result.stdout).toContain(`moves it aside to ${path}.torn-<time>`);
      const json = await cli(['sessions', '--journal', path, '--json']);
      expect(JSON.parse(json.stdout)).toHaveLength(3);
      expect(readFileSync(path, 'utf8')).toBe(`${journalText}${torn}`);
      expect(readdirSync(dir).filter((name) => name.startsWith('torn.jsonl.'))).toEqual([]);
    });

    it('a text file is no journal: corrupt at line 1, not "No sessions"', async () => {
      const path = journalFile('notes.txt', 'hello world');
      for (const args of [
        ['sessions', '--journal', path],
        ['sessions', '--journal', path, '--json'],
      ]) {
        const result = await cli(args);
        expect(result.code).toBe(1);
        expectOneLineError(result, /is corrupt at line 1: not valid JSON/);
      }
    });

    it('/dev/null is no journal: one-line error, exit 1', async () => {
      const result = await cli(['sessions', '--journal', '/dev/null']);
      expect(result.code).toBe(1);
      expectOneLineError(result, /\/dev\/null is not a regular file/);
    });

    it('shows a reason too long for its column whole, under the table', async () => {
      const reason =
        'the agent gave up after the upstream review service rejected the patch three times in a row';
      const path = journalFile(
        'long-reason.jsonl',
        created('s-long', t0) + terminal('s-long', 'failed', t0 + 10, { reason }),
      );
      const lines = (await cli(['sessions', '--journal', path])).stdout.trimEnd().split('\n');
      const cell = lines[1]!.slice(lines[0]!.indexOf('REASON'));
      expect(cell.endsWith('…')).toBe(true);
      expect(reason.startsWith(`${cell.slice(0, -1)} `)).toBe(true); // cut between words
      expect(lines.slice(3)).toEqual(['Reasons in full:', `  s-long  ${reason}`]);
    });

    it('shows open sessions as running while a live process holds the journal', async () => {
      const path = journalFile('held.jsonl', journalText);
      // The test process itself is the live holder.
      writeFileSync(`${path}.lock`, `${process.pid}\n`);
      const rows = JSON.parse((await cli(['sessions', '--journal', path, '--json'])).stdout);
      expect(rows[2]).toMatchObject({ id: 's-cut', state: 'running' });
      expect(rows[2].pending).toBeUndefined();
      const table = await cli(['sessions', '--journal', path]);
      expect(table.stdout).toContain(`held by the live process ${process.pid}`);
    });

    it('an empty journal has no sessions', async () => {
      const path = journalFile('empty.jsonl', '');
      const result = await cli(['sessions', '--journal', path]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`No sessions in ${path}.\n`);
      expect(JSON.parse((await cli(['sessions', '--journal', path, '--json'])).stdout)).toEqual([]);
    });

    it('a missing journal: one-line error, exit 1', async () => {
      const path = join(dir, 'nope', 'journal.jsonl');
      const result = await cli(['sessions', '--journal', path]);
      expect(result.code).toBe(1);
      expectOneLineError(result, new RegExp(`no journal at ${path}`));
    });

    it('the default journal is .xstate-otp/journal.jsonl in the working directory', async () => {
      const result = await cli(['sessions']);
      expect(result.code).toBe(1);
      expectOneLineError(result, /no journal at .*\/\.xstate-otp\/journal\.jsonl$/m);
    });

    it('a directory instead of a journal: one-line error, exit 1', async () => {
      const path = join(dir, 'a-directory');
      mkdirSync(path);
      const result = await cli(['sessions', '--journal', path]);
      expect(result.code).toBe(1);
      expectOneLineError(result, /is a directory, not a journal/);
    });

    it.each([
      [
        'a bad line before the last',
        `${created('a', 1)}not json\n${created('b', 2)}`,
        2,
        /not valid JSON/,
      ],
      [
        'a JSON line that is no record',
        `${created('a', 1)}${line({ type: 'created', at: 2 })}`,
        2,
        /"sessionId"/,
      ],
      [
        'an unknown outcome',
        line({
          type: 'terminal',
          sessionId: 'a',
          at: 1,
          outcome: 'exploded',
          createdAt: 0,
          endedAt: 1,
          restarts: 0,
        }),
        1,
        /"outcome"/,
      ],
    ])(
      'a corrupt journal (%s): one-line error naming the line, exit 1',
      async (_, text, lineNo, problem) => {
        const path = journalFile(`corrupt-${lineNo}-${Math.random()}.jsonl`, text);
        for (const args of [
          ['sessions', '--journal', path],
          ['sessions', '--journal', path, '--json'],
        ]) {
          const result = await cli(args);
          expect(result.code).toBe(1);
          expectOneLineError(result, new RegExp(`is corrupt at line ${lineNo}: `));
          expect(result.stderr).toMatch(problem);
        }
      },
    );
  });
});
