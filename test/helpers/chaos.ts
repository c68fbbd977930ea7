/**
 * Shared by the chaos tests: a small seeded PRNG, the run's size from the
 * environment (`npm run chaos` passes bigger ones), and the checks every
 * chaos run ends with. The checks return a list of problems, each naming its
 * session, so a failure says what went wrong where and with which seed.
 *
 * ```ts
 * const random = createRandom(chaosSettings({ seed: 1, sessions: 1000, timeoutMs: 20_000 }).seed);
 * random.int(1, 2); random.pick(['a', 'b']); random.chance(0.3);
 * const disk = chaosJournal('chaos');
 * const manager = await createSessionManager({ journal: disk.journal });
 * const settlement = settlementOf(id, manager.createSession(spec).done);
 * // ... chaos, then:
 * await manager.stop();
 * const { records, problems } = await disk.readBack();
 * problems.push(...oneTerminalEach(records, ids), ...doneMatchesJournal(records, [settlement]));
 * expect(problems).toEqual([]);
 * disk.remove();
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  createFileJournal,
  type FileJournal,
  type JournalRecord,
  type TerminalRecord,
} from '../../src/index.js';
import { readJournal } from '../../src/journal/index.js';

/**
 * mulberry32: a 32-bit state, good enough spread for picking actions, and
 * the same sequence for the same seed on every machine.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Random {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    chance: (p) => next() < p,
  };
}

/** Awaits `count` microtasks: lets queued reactions run without letting any timer fire. */
export async function microtasks(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await Promise.resolve();
}

export interface ChaosSettings {
  seed: number;
  sessions: number;
  /** Set by `npm run chaos`: print a summary line per run (`seed N: ...`). */
  report: boolean;
  /** Test timeout: a bigger run needs longer. */
  timeoutMs: number;
}

/**
 * The suite's fixed size, unless `npm run chaos` asks for another through
 * `CHAOS_SEED` and `CHAOS_SESSIONS` (or `CHAOS_PROCESS_SESSIONS` for the
 * process chaos, whose sessions cost far more); `CHAOS_REPORT=1` asks for
 * a summary line.
 */
export function chaosSettings(
  defaults: { seed: number; sessions: number; timeoutMs: number },
  sessionsVariable = 'CHAOS_SESSIONS',
): ChaosSettings {
  const seed = integerFromEnv('CHAOS_SEED') ?? defaults.seed;
  const sessions = integerFromEnv(sessionsVariable) ?? defaults.sessions;
  const scale = Math.max(1, sessions / defaults.sessions);
  const report = process.env.CHAOS_REPORT === '1';
  return { seed, sessions, report, timeoutMs: Math.ceil(defaults.timeoutMs * scale) };
}

function integerFromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  }
  return value;
}

export interface ChaosJournal {
  journal: FileJournal;
  /**
   * The records as they are on disk, read without opening the journal, and
   * the problems with it once its manager has stopped: a torn last line, or
   * a lock still held by a live process.
   */
  readBack(): Promise<{ records: JournalRecord[]; problems: string[] }>;
  /** Deletes the journal's directory. */
  remove(): void;
}

/** A file journal in a fresh temporary directory: the checks read what reached the disk. */
export function chaosJournal(name: string): ChaosJournal {
  const dir = mkdtempSync(join(tmpdir(), `xstate-otp-${name}-`));
  const path = join(dir, 'journal.jsonl');
  return {
    journal: createFileJournal(path),
    async readBack() {
      const reading = await readJournal(path);
      const problems: string[] = [];
      if (reading.torn) problems.push(`journal: a torn last line of ${reading.torn.bytes} bytes`);
      if (reading.holder?.live) problems.push(`journal: still locked by ${reading.holder.pid}`);
      return { records: reading.records, problems };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** How a session's `done` settled, counted from a handler attached when it was created. */
export interface Settlement {
  id: string;
  resolved: number;
  rejected: number;
  record?: TerminalRecord;
  error?: unknown;
}

/** Attaches the counting handlers to `done` (call right after `createSession`). */
export function settlementOf(id: string, done: Promise<TerminalRecord>): Settlement {
  const settlement: Settlement = { id, resolved: 0, rejected: 0 };
  done.then(
    (record) => {
      settlement.resolved++;
      settlement.record = record;
    },
    (error: unknown) => {
      settlement.rejected++;
      settlement.error = error;
    },
  );
  return settlement;
}

function terminalsBySession(records: readonly JournalRecord[]): Map<string, JournalRecord[]> {
  const bySession = new Map<string, JournalRecord[]>();
  for (const record of records) {
    if (record.type !== 'terminal') continue;
    const list = bySession.get(record.sessionId) ?? [];
    list.push(record);
    bySession.set(record.sessionId, list);
  }
  return bySession;
}

/** Exactly one `terminal` record per session of `ids`, none for any other, each after its `created`. */
export function oneTerminalEach(
  records: readonly JournalRecord[],
  ids: readonly string[],
): string[] {
  const problems: string[] = [];
  const terminals = terminalsBySession(records);
  const expected = new Set(ids);
  for (const id of ids) {
    const count = terminals.get(id)?.length ?? 0;
    if (count !== 1) problems.push(`${id}: ${count} terminal records`);
  }
  for (const id of terminals.keys()) {
    if (!expected.has(id)) problems.push(`${id}: a terminal record for a session never created`);
  }
  const created = new Set<string>();
  for (const record of records) {
    if (record.type === 'created') created.add(record.sessionId);
    if (record.type === 'terminal' && !created.has(record.sessionId)) {
      problems.push(`${record.sessionId}: terminal record before its created record`);
    }
  }
  return problems;
}

/** The journal's terminal record without its line fields: what `done` resolves with. */
export function terminalOf(record: JournalRecord): TerminalRecord {
  const { type: _type, at: _at, ...rest } = record as JournalRecord & { at: number };
  return rest as unknown as TerminalRecord;
}

/**
 * Each `done` resolved exactly once (never rejected) with a record deep-equal
 * to the journal's terminal record of its session.
 */
export function doneMatchesJournal(
  records: readonly JournalRecord[],
  settlements: readonly Settlement[],
): string[] {
  const problems: string[] = [];
  const terminals = terminalsBySession(records);
  for (const settlement of settlements) {
    const { id, resolved, rejected } = settlement;
    if (resolved !== 1 || rejected !== 0) {
      const error = rejected > 0 ? ` (${String(settlement.error)})` : '';
      problems.push(`${id}: done resolved ${resolved} times, rejected ${rejected} times${error}`);
      continue;
    }
    const journaled = terminals.get(id)?.[0];
    if (journaled && !isDeepStrictEqual(settlement.record, terminalOf(journaled))) {
      problems.push(
        `${id}: done ${JSON.stringify(settlement.record)} differs from the journal's ${JSON.stringify(journaled)}`,
      );
    }
  }
  return problems;
}

/** Tallies outcomes for a run's summary line. */
export function outcomeCounts(settlements: readonly Settlement[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { record } of settlements) {
    const outcome = record?.outcome ?? 'unsettled';
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}
