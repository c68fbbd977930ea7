/**
 * Parsing a journal file's bytes, and deciding how to repair a torn tail.
 * Pure: the file journal applies the verdict.
 *
 * ```ts
 * const result = parseJournal(await readFile(path));
 * if (!result.ok) throw new JournalError('corrupt', `line ${result.line}: ${result.problem}`);
 * if (result.keepBytes < size) await handle.truncate(result.keepBytes);
 * if (result.addNewline) await handle.write('\n');
 * ```
 *
 * Rules:
 * - Lines are separated by '\n'; blank (whitespace-only) lines are skipped.
 * - The last non-blank line may be torn by a crash mid-write: when it is not
 *   valid JSON (or not valid UTF-8) it is dropped, with or without a trailing
 *   newline (a crash can persist a file's new size before its data, leaving
 *   NUL bytes that end anywhere). Everything after the last kept line is cut
 *   so the next append starts on a clean line.
 * - A last line that is a valid record but lacks its newline is kept and the
 *   newline is added.
 * - Any other bad line is corruption: a line that is not valid JSON anywhere
 *   but last, or one that is JSON but not a record (that is never a tear: a
 *   prefix of a JSON object is never itself valid JSON).
 */
import type { JournalRecord } from './journal.js';
import { recordProblem } from './records.js';

export type ParseResult =
  | {
      ok: true;
      records: JournalRecord[];
      /** Length the file must be cut to (bytes); equal to the input length when nothing is cut. */
      keepBytes: number;
      /** The last kept record has no trailing newline: write one. */
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
    return { kind: 'unparseable', problem: `not valid JSON (${(error as Error).message})` };
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
  const lines = spans.map((span) => parseLine(data.subarray(span.start, span.end)));
  let last = lines.length - 1;
  while (last >= 0 && lines[last]?.kind === 'blank') last--;

  const records: JournalRecord[] = [];
  for (let i = 0; i <= last; i++) {
    const line = lines[i]!;
    if (line.kind === 'record') records.push(line.record);
    else if (line.kind === 'invalid' || (line.kind === 'unparseable' && i < last)) {
      return { ok: false, line: i + 1, problem: line.problem };
    }
  }

  if (last < 0) return { ok: true, records, keepBytes: 0, addNewline: false };
  const lastSpan = spans[last]!;
  if (lines[last]!.kind === 'unparseable') {
    return { ok: true, records, keepBytes: lastSpan.start, addNewline: false };
  }
  const terminated = lastSpan.end < data.length;
  return {
    ok: true,
    records,
    keepBytes: terminated ? lastSpan.end + 1 : data.length,
    addNewline: !terminated,
  };
}
