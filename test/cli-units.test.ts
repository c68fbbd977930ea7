/**
 * The CLI's pieces that the end-to-end tests cannot reach well: the live
 * table's redraws in a terminal, widths with colour codes, short reasons,
 * run names.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLiveView } from '../src/cli/demo/liveView.js';
import { demoScripts, nextRunName } from '../src/cli/demo/script.js';
import { cutAtWord, formatDuration, shortReason } from '../src/cli/format.js';
import { commandHint } from '../src/cli/invocation.js';
import { journalFailure } from '../src/cli/journalErrors.js';
import { reasonLines } from '../src/cli/sessionTable.js';
import { createPainter, fitWidth, formatTable } from '../src/cli/table.js';
import { JournalError } from '../src/ground/errors.js';
import { EXPECTED_OUTCOME } from '../src/testing/index.js';

describe('live view', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function terminal(columns = 30) {
    const writes: string[] = [];
    return { out: { isTTY: true, columns, write: (text: string) => writes.push(text) }, writes };
  }

  it('redraws in place: up over the previous block, clear, new block', () => {
    const { out, writes } = terminal();
    let lines = ['a', 'b'];
    const view = createLiveView(out, () => lines, { minIntervalMs: 50, tickMs: 10_000 });
    expect(writes).toEqual(['a\nb\n']);
    lines = ['c', 'd', 'e'];
    vi.advanceTimersByTime(50);
    view.request();
    expect(writes[1]).toBe('\u001b[2F\u001b[Jc\nd\ne\n');
    view.stop();
    expect(writes[2]).toBe('\u001b[3F\u001b[Jc\nd\ne\n');
    view.request();
    expect(writes).toHaveLength(3);
  });

  it('throttles bursts of requests to one draw per interval', () => {
    const { out, writes } = terminal();
    const view = createLiveView(out, () => ['x'], { minIntervalMs: 80, tickMs: 10_000 });
    for (let i = 0; i < 100; i++) view.request();
    expect(writes).toHaveLength(1);
    vi.advanceTimersByTime(80);
    expect(writes).toHaveLength(2);
    view.stop();
  });

  it('ticks so elapsed times move without changes', () => {
    const { out, writes } = terminal();
    const view = createLiveView(out, () => ['x'], { minIntervalMs: 10, tickMs: 100 });
    vi.advanceTimersByTime(350);
    expect(writes).toHaveLength(4);
    view.stop();
  });

  it('cuts lines to the terminal width so they never wrap', () => {
    const { out, writes } = terminal(11);
    const view = createLiveView(out, () => ['0123456789abcdef'], { tickMs: 10_000 });
    view.stop();
    expect(writes[0]).toBe('0123456789\n');
  });
});

describe('tables', () => {
  it('aligns on the plain text, colours after padding', () => {
    const paint = createPainter(true);
    const lines = formatTable(
      [{ header: 'ID' }, { header: 'N', align: 'right' }, { header: 'NOTE' }],
      [
        ['a', '1', ''],
        ['bbb', '22', 'x'],
      ],
      { style: (row, col, text) => (row >= 0 && col === 0 ? paint.red(text) : text) },
    );
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');
    expect(lines.map((line) => line.replace(ansi, ''))).toEqual([
      'ID    N  NOTE',
      'a     1',
      'bbb  22  x',
    ]);
    expect(lines[1]).toContain('\u001b[31ma  \u001b[39m');
  });

  it('fitWidth counts visible characters only and keeps colour codes balanced', () => {
    const paint = createPainter(true);
    expect(fitWidth(`${paint.green('abcdef')}ghi`, 4)).toBe('\u001b[32mabcd\u001b[39m');
    expect(fitWidth('abc', 10)).toBe('abc');
  });
});

describe('formatting', () => {
  it.each([
    [450, '450ms'],
    [1234, '1.2s'],
    [12_345, '12s'],
    [83_000, '1m23s'],
    [2 * 3600_000 + 5 * 60_000, '2h05m'],
    [-1, '-'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("shortReason reduces the runtime's long messages to what happened to whom", () => {
    expect(
      shortReason(
        'Reached the maximum restart intensity (2 restarts within 60000 ms); the last failure was child "agent": Command `node fixture.mjs --mode exit` exited with code 3 after 128 ms. Its last output is in error.stdoutTail.',
      ),
    ).toBe('restart limit reached: agent exited with code 3 after 128 ms');
    expect(
      shortReason(
        'Command `node x.mjs` was killed by SIGKILL after 279 ms, not by xstate-otp: it crashed',
      ),
    ).toBe('was killed by SIGKILL after 279 ms');
    expect(shortReason('cancelled by\n the user')).toBe('cancelled by the user');
  });

  it('shortReason: with no restart allowed, no "limit" was reached', () => {
    expect(
      shortReason(
        'Reached the maximum restart intensity (0 restarts within 5000 ms); the last failure was child "agent": Command `node x.mjs` was killed by SIGKILL after 279 ms, not by xstate-otp: it crashed.',
      ),
    ).toBe('no restart allowed: agent was killed by SIGKILL after 279 ms');
    expect(
      shortReason(
        'Reached the maximum restart intensity (1 restart within 5000 ms); the last failure was child "agent": Command `node x.mjs` exited with code 1 after 9 ms.',
      ),
    ).toBe('restart limit reached: agent exited with code 1 after 9 ms');
  });

  it('cutAtWord cuts between words, never inside one, and marks the cut', () => {
    expect(cutAtWord('short', 10)).toBe('short');
    expect(cutAtWord('restart limit reached: agent exited', 20)).toBe('restart limit…');
    // No space in the second half: a hard cut rather than a stub.
    expect(cutAtWord('a supercalifragilistic', 10)).toBe('a superca…');
    expect(cutAtWord('restart limit reached: agent exited', 20).length).toBeLessThanOrEqual(20);
  });

  it('reasonLines lists the reasons the table cut, whole, and nothing otherwise', () => {
    const long = 'a reason long enough that a narrow REASON column has to cut it short';
    const rows = [
      { id: 'a', state: 'failed', reason: 'short', createdAt: 0, restarts: 0 },
      {
        id: 'bb',
        state: 'failed',
        reason: long.replace('enough', 'enough\n'),
        createdAt: 0,
        restarts: 0,
      },
    ] as const;
    expect(reasonLines(rows as never, { reasonWidth: 20 })).toEqual([
      'Reasons in full:',
      `  bb  ${long}`,
    ]);
    expect(reasonLines(rows as never, { reasonWidth: 200 })).toEqual([]);
  });
});

describe('journal failures told to a shell user', () => {
  const io = (code: string) =>
    new JournalError(
      'io',
      'Could not append 1 record(s) to journal /j.jsonl: … close it and open it again',
      {
        path: '/j.jsonl',
        cause: Object.assign(new Error(`${code}: something, open '/j.jsonl.lock.1-2.tmp'`), {
          code,
        }),
      },
    );

  it.each([
    [
      'ENOSPC',
      /^cannot write the journal \/j\.jsonl: the disk is full \(ENOSPC\)\. Free some space/,
    ],
    ['EROFS', /^cannot write the journal \/j\.jsonl: its file system is read-only \(EROFS\)/],
    ['EACCES', /^cannot use the journal \/j\.jsonl: permission denied \(EACCES\)/],
    ['ENOENT', /^no journal at \/j\.jsonl$/],
    ['EISDIR', /^\/j\.jsonl is a directory, not a journal$/],
    ['EIO', /^cannot use the journal \/j\.jsonl: EIO: something$/],
  ])('%s: CLI advice, no library advice, no internal file', (code, message) => {
    const failure = journalFailure(io(code));
    expect(failure.message).toMatch(message);
    expect(failure.message).not.toMatch(/close it|\.tmp/i);
    expect(failure.exitCode).toBe(1);
  });

  it("corrupt and locked keep the journal's own message", () => {
    const corrupt = new JournalError('corrupt', 'Journal /j is corrupt at line 2: x.', { line: 2 });
    expect(journalFailure(corrupt).message).toBe('Journal /j is corrupt at line 2: x.');
  });
});

describe('the closing hint', () => {
  const root = '/src/xstate-otp';
  it.each([
    [
      'a clone, from inside it',
      { script: `${root}/dist/cli/main.js`, cwd: `${root}/examples`, packageRoot: root },
      'npx xstate-otp sessions --journal /tmp/j.jsonl',
    ],
    [
      'a clone, from elsewhere',
      { script: `${root}/dist/cli/main.js`, cwd: '/tmp', packageRoot: root },
      `cd ${root} && npx xstate-otp sessions --journal /tmp/j.jsonl`,
    ],
    [
      'a dependency, through its bin link',
      {
        script: '/app/node_modules/.bin/xstate-otp',
        cwd: '/app',
        packageRoot: '/app/node_modules/xstate-otp',
      },
      'npx xstate-otp sessions --journal /tmp/j.jsonl',
    ],
    [
      'a dependency, run by path from elsewhere',
      {
        script: '/app/node_modules/xstate-otp/dist/cli/main.js',
        cwd: '/home/me',
        packageRoot: '/app/node_modules/xstate-otp',
      },
      'cd /app && npx xstate-otp sessions --journal /tmp/j.jsonl',
    ],
    [
      'a global install on PATH',
      {
        script: '/usr/local/bin/xstate-otp',
        cwd: '/home/me',
        packageRoot: '/usr/local/lib/node_modules/xstate-otp',
      },
      'xstate-otp sessions --journal /tmp/j.jsonl',
    ],
  ])('%s', (_, invocation, hint) => {
    expect(commandHint(['sessions', '--journal', '/tmp/j.jsonl'], invocation)).toBe(hint);
  });

  it('quotes what the shell would split', () => {
    expect(
      commandHint(['sessions', '--journal', "/tmp/my runs/it's.jsonl"], {
        script: `${root}/dist/cli/main.js`,
        cwd: root,
        packageRoot: root,
      }),
    ).toBe(`npx xstate-otp sessions --journal '/tmp/my runs/it'\\''s.jsonl'`);
  });
});

describe('demo script', () => {
  it('six sessions, every kind of outcome, ids prefixed with the run', () => {
    const scripts = demoScripts('run7', 0.1);
    expect(scripts.map((s) => s.id)).toEqual([
      'run7-build',
      'run7-flaky',
      'run7-crash',
      'run7-cancel',
      'run7-slow',
      'run7-daemon',
    ]);
    expect(new Set(scripts.map((s) => EXPECTED_OUTCOME[s.outcome]))).toEqual(
      new Set(['completed', 'failed', 'cancelled', 'timed_out']),
    );
    expect(scripts.every((s) => s.metadata?.run === 'run7')).toBe(true);
  });

  it('nextRunName: one past the highest recorded run, never reusing an id', () => {
    expect(nextRunName([])).toBe('run1');
    const rows = [
      { id: 'run2-build', metadata: { run: 'run2' } },
      { id: 'run9-slow', metadata: { run: 'run9' } },
      { id: 'other', metadata: { run: 'elsewhere' } },
    ];
    expect(nextRunName(rows)).toBe('run10');
    // An id taken by something that is not a demo run is skipped over.
    expect(nextRunName([{ id: 'run1-build' }])).toBe('run2');
  });
});
