/**
 * Sessions as table lines, for `xstate-otp sessions` and the demo.
 *
 * ```ts
 * import { createPainter } from './table.js';
 *
 * sessionTableLines(rows, { now: Date.now(), painter: createPainter(true) });
 * // SESSION     STATE      RESTARTS  CREATED              DURATION  REASON
 * // run1-build  completed         0  2025-01-02 03:04:05      3.1s
 * ```
 *
 * `countLine(rows)` is the line under it: `3 sessions: 2 completed, 1 failed`.
 * `reasonLines(rows, options)` lists, under that, in full and on one line
 * each, the reasons the REASON column had to cut.
 *
 * `ATTEMPTS` (shown when some session is durable) counts a durable session's
 * runs: 1, plus one per resume. `DURATION` is created → ended, or created → now for a session still
 * running. A row still waiting for its terminal record reads `interrupted*`
 * (a durable one its last state, `running*`: the next run resumes it).
 */
import { cutAtWord, formatDuration, formatTimestamp, oneLine, shortReason } from './format.js';
import type { SessionRow } from './journalSnapshot.js';
import { type Column, formatTable, type Painter } from './table.js';

export type SessionColumn =
  | 'id'
  | 'what'
  | 'state'
  | 'restarts'
  | 'attempts'
  | 'created'
  | 'duration'
  | 'reason';

const HEADERS: Record<SessionColumn, Column> = {
  id: { header: 'SESSION' },
  what: { header: 'SCRIPT' },
  state: { header: 'STATE' },
  restarts: { header: 'RESTARTS', align: 'right' },
  attempts: { header: 'ATTEMPTS', align: 'right' },
  created: { header: 'CREATED' },
  duration: { header: 'DURATION', align: 'right' },
  reason: { header: 'REASON' },
};

export interface SessionTableOptions {
  now: number;
  painter: Painter;
  columns?: readonly SessionColumn[];
  /** Cut reasons to this many characters (at a word; `reasonLines` then shows them whole). Default 60. */
  reasonWidth?: number;
}

const reasonWidth = (options: Pick<SessionTableOptions, 'reasonWidth'>) =>
  options.reasonWidth ?? 60;

/** A session row's state as shown: `interrupted*` while the interruption is not yet recorded. */
export function stateLabel(row: Pick<SessionRow, 'state' | 'pending'>): string {
  return row.pending ? `${row.state}*` : row.state;
}

/** Colours a (padded) state cell by what it means. */
export function paintState(painter: Painter, state: string, text: string): string {
  if (state.startsWith('completed')) return painter.green(text);
  if (state.startsWith('failed')) return painter.red(text);
  if (state.startsWith('cancelled') || state.startsWith('timed_out')) return painter.yellow(text);
  if (state.startsWith('interrupted')) return painter.magenta(text);
  if (state.startsWith('running')) return painter.cyan(text);
  return painter.dim(text);
}

/** What a scripted session was told to do (`metadata.what`), if anything. */
export function scriptOf(row: Pick<SessionRow, 'metadata'>): string {
  const what = row.metadata?.what ?? row.metadata?.scripted;
  return typeof what === 'string' ? what : '';
}

function cell(column: SessionColumn, row: SessionRow, options: SessionTableOptions): string {
  switch (column) {
    case 'id':
      return row.id;
    case 'what':
      return scriptOf(row);
    case 'state':
      return stateLabel(row);
    case 'restarts':
      return String(row.restarts);
    case 'attempts':
      // Durable sessions only: 1, plus one per resume.
      return row.attempt === undefined ? '-' : String(row.attempt);
    case 'created':
      return formatTimestamp(row.createdAt);
    case 'duration':
      // A session cut short has no known end: reconciliation only noticed it later.
      if (row.pending || row.state === 'interrupted') return '-';
      return formatDuration((row.endedAt ?? options.now) - row.createdAt);
    case 'reason':
      return row.reason ? cutAtWord(shortReason(row.reason), reasonWidth(options)) : '';
  }
}

/** The table's columns; ATTEMPTS only when some session is durable. */
export function defaultColumns(rows: readonly SessionRow[]): SessionColumn[] {
  const durable = rows.some((row) => row.attempt !== undefined);
  return [
    'id',
    'state',
    'restarts',
    ...(durable ? ['attempts' as const] : []),
    'created',
    'duration',
    'reason',
  ];
}

export function sessionTableLines(
  rows: readonly SessionRow[],
  options: SessionTableOptions,
): string[] {
  const columns = options.columns ?? defaultColumns(rows);
  const stateColumn = columns.indexOf('state');
  const cells = rows.map((row) => columns.map((column) => cell(column, row, options)));
  return formatTable(
    columns.map((column) => HEADERS[column]),
    cells,
    {
      style: (row, column, text) => {
        if (row === -1) return options.painter.bold(text);
        if (column === stateColumn) return paintState(options.painter, rows[row]!.state, text);
        return text;
      },
    },
  );
}

/** `3 sessions: 2 completed, 1 failed`. */
export function countLine(rows: readonly SessionRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.state, (counts.get(row.state) ?? 0) + 1);
  const parts = [...counts].map(([state, count]) => `${count} ${state}`);
  const noun = rows.length === 1 ? 'session' : 'sessions';
  return `${rows.length} ${noun}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/** The reasons the table cut, whole: `Reasons in full:` then `  <id>  <reason>` (none: no lines). */
export function reasonLines(
  rows: readonly SessionRow[],
  options: Pick<SessionTableOptions, 'reasonWidth'>,
): string[] {
  const cut = rows.filter(
    (row) => row.reason !== undefined && shortReason(row.reason).length > reasonWidth(options),
  );
  if (cut.length === 0) return [];
  const idWidth = Math.max(...cut.map((row) => row.id.length));
  return [
    'Reasons in full:',
    ...cut.map((row) => `  ${row.id.padEnd(idWidth)}  ${oneLine(row.reason!)}`),
  ];
}
