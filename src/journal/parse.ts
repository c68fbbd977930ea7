/**
 * Parsing a journal file's bytes, and deciding what a torn tail is. Pure:
 * the file journal applies the verdict, the read-only reader reports it.
 *
 * ```ts
 * import { readFile } from 'node:fs/promises';
 *
 * const result = parseJournal(await readFile(path));
 * if (!result.ok) throw corruptJournalError(path, result);
 * result.records;     // every record, in file order
 * result.spans;       // [start, length, …]: each record's line, for `RecordIndex`
 * result.tornBytes;   // > 0: the bytes from `keepBytes` on are a torn last line, to move aside
 * result.addNewline;  // the kept bytes do not end with '\n': write one before appending
 * ```
 *
 * Rules (the journal never destroys what it did not write):
 * - Lines are separated by '\n'; blank (whitespace-only) lines are skipped.
 * - Only a last line with no trailing '\n' can be torn (a crash mid-write,
 *   which may also leave NUL bytes where data never landed). It is torn when
 *   it is not valid JSON or not valid UTF-8: a prefix of a JSON object is
 *   never itself valid JSON. The file journal moves it aside, never just
 *   drops it.
 * - Every other bad line is corruption, reported with its line number: a
 *   complete line (one with its '\n') that is not a record, even the last
 *   one, and a line that is JSON but not a record anywhere.
 * - The first line is never torn: a file whose first line is not a record
 *   is not a journal (say, a text file opened by mistake) and is refused.
 * - A complete last record without its '\n' is kept; the newline is added.
 */
import { errorMessage } from '../ground/errorMessage.js';
import { JournalError } from '../ground/errors.js';
import type { JournalRecord } from './journal.js';
import { recordProblem } from './records.js';

export type ParseResult =
  | {
      ok: true;
      records: JournalRecord[];
      /** Where each record's line is: start, length pairs (its '\n' included), as `RecordIndex` keeps them. */
      spans: number[];
      /** Bytes that stay: the file minus its torn last line. */
      keepBytes: number;
      /** Length of the torn last line after `keepBytes` (0: none). */
      tornBytes: number;
      /** The kept bytes do not end with '\n'. */
      addNewline: boolean;
    }
  | { ok: false; line: number; problem: string };

type Line =
  | { kind: 'blank' }
  | { kind: 'unparseable'; problem: string }
  | { kind: 'invalid'; problem: string }
  | { kind: 'record'; record: JournalRecord };

const decoder = new TextDecoder('utf-8', { fatal: true });

function parseLine(bytes: Uint8Array): Line {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { kind: 'unparseable', problem: 'not valid UTF-8' };
  }
  if (text.trim() === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'unparseable', problem: `not valid JSON (${errorMessage(error)})` };
  }
  const problem = recordProblem(value);
  return problem === undefined
    ? { kind: 'record', record: value as JournalRecord }
    : { kind: 'invalid', problem };
}

interface Span {
  start: number;
  /** Index of the terminating '\n', or the data length for an unterminated tail. */
  end: number;
}

function splitLines(data: Uint8Array): Span[] {
  const spans: Span[] = [];
  let start = 0;
  // 0x0a never occurs inside a multi-byte UTF-8 sequence, so splitting bytes is safe.
  for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
    spans.push({ start, end: nl });
    start = nl + 1;
  }
  if (start < data.length) spans.push({ start, end: data.length });
  return spans;
}

export function parseJournal(data: Uint8Array): ParseResult {
  const spans = splitLines(data);
  const records: JournalRecord[] = [];
  const recordSpans: number[] = [];
  let seenRecord = false;
  for (const [i, span] of spans.entries()) {
    const line = parseLine(data.subarray(span.start, span.end));
    if (line.kind === 'blank') continue;
    if (line.kind === 'record') {
      records.push(line.record);
      recordSpans.push(span.start, span.end - span.start + (span.end < data.length ? 1 : 0));
      seenRecord = true;
      continue;
    }
    const unterminated = span.end === data.length;
    if (line.kind === 'unparseable' && unterminated && seenRecord) {
      return {
        ok: true,
        records,
        spans: recordSpans,
        keepBytes: span.start,
        tornBytes: data.length - span.start,
        addNewline: false,
      };
    }
    return { ok: false, line: i + 1, problem: line.problem };
  }
  return {
    ok: true,
    records,
    spans: recordSpans,
    keepBytes: data.length,
    tornBytes: 0,
    addNewline: data.length > 0 && data[data.length - 1] !== 0x0a,
  };
}

/** The error for a corrupt journal: names the file and the line, and says what to do. */
export function corruptJournalError(
  path: string,
  corrupt: { line: number; problem: string },
): JournalError {
  const { line, problem } = corrupt;
  return new JournalError(
    'corrupt',
    `Journal ${path} is corrupt at line ${line}: ${problem}. Only a torn last line (no trailing newline) is set aside automatically; the file was left as it is. If it is not a journal, use another path; to start a fresh journal, move the file aside (e.g. \`mv ${path} ${path}.corrupt\`); or fix or delete line ${line} by hand.`,
    { path, line },
  );
}
