import { describe, expect, it } from 'vitest';
import { type JournalRecord, replayJournal } from '../src/journal/index.js';

const terminal = (sessionId: string, at: number, outcome = 'completed', createdAt = 0) =>
  ({
    type: 'terminal',
    sessionId,
    at,
    outcome,
    createdAt,
    endedAt: at,
    restarts: 0,
  }) as JournalRecord;

describe('replayJournal', () => {
  it('is empty for no records', () => {
    expect(replayJournal([])).toEqual({ sessions: [], unterminated: [] });
  });

  it('folds each session and lists the unterminated ones, in first-seen order', () => {
    const records: JournalRecord[] = [
      {
        type: 'created',
        sessionId: 'b',
        at: 1,
        metadata: { task: 'b' },
        spec: { children: ['x'] },
      },
      { type: 'created', sessionId: 'a', at: 2 },
      { type: 'started', sessionId: 'b', at: 3 },
      { type: 'created', sessionId: 'c', at: 4 },
      { type: 'workspace', sessionId: 'b', at: 5, path: '/w/b1' },
      { type: 'started', sessionId: 'c', at: 6 },
      terminal('b', 7, 'failed', 1),
      { type: 'workspace', sessionId: 'b', at: 8, path: '/w/b2', kept: true },
      { type: 'started', sessionId: 'a', at: 9 },
    ];
    const { sessions, unterminated } = replayJournal(records);
    expect(sessions.map((s) => s.sessionId)).toEqual(['b', 'a', 'c']);
    expect(sessions[0]).toEqual({
      sessionId: 'b',
      createdAt: 1,
      startedAt: 3,
      metadata: { task: 'b' },
      spec: { children: ['x'] },
      terminal: records[6],
      workspace: records[7],
    });
    expect(sessions[1]).toEqual({ sessionId: 'a', createdAt: 2, startedAt: 9 });
    expect(unterminated.map((s) => s.sessionId)).toEqual(['a', 'c']);
  });

  it('a reconciled journal has nothing left to reconcile', () => {
    const records: JournalRecord[] = [
      { type: 'created', sessionId: 'a', at: 1, metadata: { m: 1 } },
      { type: 'started', sessionId: 'a', at: 2 },
    ];
    const [open] = replayJournal(records).unterminated;
    records.push({
      ...(terminal('a', 10, 'interrupted', open!.createdAt) as object),
      metadata: open!.metadata,
    } as JournalRecord);
    const again = replayJournal(records);
    expect(again.unterminated).toEqual([]);
    expect(again.sessions[0]!.terminal).toMatchObject({
      outcome: 'interrupted',
      createdAt: 1,
      metadata: { m: 1 },
    });
  });

  it('keeps the first terminal, created and started record of a session', () => {
    const { sessions } = replayJournal([
      { type: 'created', sessionId: 'a', at: 1, metadata: { first: true } },
      { type: 'started', sessionId: 'a', at: 2 },
      { type: 'created', sessionId: 'a', at: 3, metadata: { first: false } },
      { type: 'started', sessionId: 'a', at: 4 },
      terminal('a', 5, 'cancelled', 1),
      terminal('a', 6, 'failed', 1),
    ]);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ createdAt: 1, startedAt: 2, metadata: { first: true } });
    expect(sessions[0]!.terminal).toMatchObject({ outcome: 'cancelled', at: 5 });
  });

  it('ignores unknown record types and copes with a session whose created record is missing', () => {
    const { sessions, unterminated } = replayJournal([
      { type: 'note', sessionId: 'ghost', at: 1 },
      terminal('t', 9, 'completed', 4),
      { type: 'workspace', sessionId: 'w', at: 7, path: '/w' },
    ]);
    expect(sessions.map((s) => [s.sessionId, s.createdAt])).toEqual([
      ['t', 4],
      ['w', 7],
    ]);
    expect(unterminated.map((s) => s.sessionId)).toEqual(['w']);
  });

  it('does not mutate its input', () => {
    const records: JournalRecord[] = [{ type: 'created', sessionId: 'a', at: 1 }, terminal('a', 2)];
    const before = structuredClone(records);
    replayJournal(records);
    expect(records).toEqual(before);
  });
});
