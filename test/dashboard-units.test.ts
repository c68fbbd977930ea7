/**
 * The dashboard's pure parts: active state ids read from `toMermaid` text,
 * the incremental journal reader, the bounded session logs, and the
 * read-only journal source's view of sessions whose host is gone.
 */
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { activeStateIds, stateIdsByPath } from '../src/dashboard/activeStates.js';
import { createJournalReader } from '../src/dashboard/journalReader.js';
import { openJournalSource } from '../src/dashboard/journalSource.js';
import { SessionLogs } from '../src/dashboard/sessionLogs.js';
import { JournalError, toMermaid } from '../src/index.js';

const tricky = setup({}).createMachine({
  id: 'tricky',
  initial: 'state',
  states: {
    // A Mermaid keyword, a label that needs escaping, a nested and a parallel state.
    state: { on: { NEXT: 'a;b' } },
    'a;b': {
      initial: 'inner',
      states: { inner: { on: { GO: 'end' } }, end: {} },
      on: { PAR: 'both' },
    },
    both: {
      type: 'parallel',
      states: {
        left: { initial: 'x', states: { x: {} } },
        right: { initial: 'y', states: { y: {} } },
      },
    },
  },
});

describe('active state ids', () => {
  const chart = toMermaid(tricky);

  it('maps every state path to the id toMermaid gave it', () => {
    const ids = stateIdsByPath(chart);
    for (const [path, id] of ids) {
      const key = path.split('.').at(-1)!.replace(';', '#59;');
      expect(chart).toContain(`state "${key}" as ${id}`);
    }
    expect([...ids.keys()]).toEqual([
      'state',
      'a;b',
      'a;b.inner',
      'a;b.end',
      'both',
      'both.left',
      'both.left.x',
      'both.right',
      'both.right.y',
    ]);
  });

  it('gives the ids of every active level, outermost first, parallel regions included', () => {
    const ids = stateIdsByPath(chart);
    expect(activeStateIds(chart, 'state')).toEqual([ids.get('state')]);
    expect(activeStateIds(chart, { 'a;b': 'end' })).toEqual([ids.get('a;b'), ids.get('a;b.end')]);
    expect(activeStateIds(chart, { both: { left: 'x', right: 'y' } })).toEqual([
      ids.get('both'),
      ids.get('both.left'),
      ids.get('both.left.x'),
      ids.get('both.right'),
      ids.get('both.right.y'),
    ]);
    expect(activeStateIds(chart, 'nowhere')).toEqual([]);
  });
});

describe('the journal reader and the journal source', () => {
  let dir: string;
  let path: string;
  const line = (record: object) => `${JSON.stringify(record)}\n`;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xstate-otp-dashboard-units-'));
    path = join(dir, 'journal.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads only what was appended, and only complete lines', async () => {
    writeFileSync(path, line({ type: 'created', sessionId: 'a', at: 1 }));
    const reader = createJournalReader(path);
    expect(await reader.refresh()).toEqual({ changed: new Set(['a']), reset: false });
    const half = line({ type: 'started', sessionId: 'a', at: 2 });
    appendFileSync(path, half.slice(0, 10));
    expect((await reader.refresh()).changed.size).toBe(0);
    appendFileSync(path, half.slice(10) + line({ type: 'created', sessionId: 'b', at: 3 }));
    expect((await reader.refresh()).changed).toEqual(new Set(['a', 'b']));
    expect((await reader.records('a')).map((r) => r.type)).toEqual(['created', 'started']);
    expect(reader.summary('a')).toMatchObject({ sessionId: 'a', createdAt: 1, startedAt: 2 });
    expect([...reader.ids()]).toEqual(['a', 'b']);
  });

  it('starts over when the file shrank, and names the line of a corruption', async () => {
    writeFileSync(
      path,
      line({ type: 'created', sessionId: 'a', at: 1 }) +
        line({ type: 'started', sessionId: 'a', at: 2 }),
    );
    const reader = createJournalReader(path);
    await reader.refresh();
    truncateSync(path, 0);
    writeFileSync(path, line({ type: 'created', sessionId: 'z', at: 5 }));
    const again = await reader.refresh();
    expect(again.reset).toBe(true);
    expect([...reader.ids()]).toEqual(['z']);
    appendFileSync(path, `not json\n${line({ type: 'started', sessionId: 'z', at: 6 })}`);
    const error = await reader.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalError);
    expect(error).toMatchObject({ code: 'corrupt', line: 2 });
  });

  it('shows a session with no outcome and no live host as interrupted, pending', async () => {
    writeFileSync(
      path,
      line({ type: 'created', sessionId: 'a', at: 1, metadata: { title: 'A' } }) +
        line({ type: 'started', sessionId: 'a', at: 2 }) +
        line({
          type: 'workspace',
          sessionId: 'a',
          at: 3,
          status: 'kept',
          path: '/tmp/ws/a',
          branch: 'xstate-otp/a',
        }),
    );
    const source = await openJournalSource(path);
    try {
      expect(source.readOnly).toBe(true);
      expect(source.list()).toEqual([
        expect.objectContaining({
          id: 'a',
          state: 'interrupted',
          pending: true,
          metadata: { title: 'A' },
          workspace: { path: '/tmp/ws/a', branch: 'xstate-otp/a', kept: true },
        }),
      ]);
      await expect(source.terminateSession('a')).rejects.toMatchObject({ code: 'read_only' });
      const detail = await source.detail('a');
      expect(detail?.journal?.map((r) => r.type)).toEqual(['created', 'started', 'workspace']);
      expect(detail?.tree).toBeNull();
    } finally {
      source.close();
    }
  });
});

describe('session logs', () => {
  it('keeps the latest entries per session, and the logs of the latest ended sessions', () => {
    const logs = new SessionLogs<{ seq: number; text: string }>({ perSession: 3, keepEnded: 1 });
    for (const text of ['1', '2', '3', '4']) logs.push('a', (seq) => ({ seq, text }));
    expect(logs.since('a').map((e) => e.text)).toEqual(['2', '3', '4']);
    const seq = logs.since('a')[1]!.seq;
    expect(logs.since('a', seq).map((e) => e.text)).toEqual(['4']);
    logs.push('b', (s) => ({ seq: s, text: 'b' }));
    logs.ended('a');
    expect(logs.has('a')).toBe(true);
    logs.ended('b');
    expect(logs.has('a')).toBe(false);
    expect(logs.has('b')).toBe(true);
  });

  it('keeps at most maxBytes per session, however many entries that is', () => {
    const logs = new SessionLogs<{ seq: number; text: string }>({
      perSession: 1000,
      maxBytes: 10,
      keepEnded: 1,
    });
    for (let i = 0; i < 5000; i++) {
      const text = `l${i % 10}${i % 10}`;
      logs.push('a', (seq) => ({ seq, text }), text.length);
    }
    // Three-character lines, ten characters: the last three.
    expect(logs.since('a').map((e) => e.text)).toEqual(['l77', 'l88', 'l99']);
  });
});
