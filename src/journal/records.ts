/**
 * Record validation and serialisation, shared by both journals so that what
 * one accepts the other accepts too.
 *
 * ```ts
 * recordProblem({ type: 'started', sessionId: 'a', at: 1 }); // undefined: valid
 * recordProblem({ type: 'started', at: 1 });                 // '"sessionId" must be a non-empty string'
 * const { line, record } = encodeRecord(r, path);            // line ends with '\n'
 * recordFromValue({ type: 'x', sessionId: 'a', at: NaN });   // { problem: '"at" must be a finite number (epoch ms)' }
 * ```
 *
 * Every record needs a non-empty string `type` and `sessionId` and a finite
 * number `at`. The known types add: `created` — `metadata`/`spec` objects when
 * present; `terminal` — a known `outcome`, numbers `createdAt`, `endedAt`,
 * `restarts`, a string `reason` and object `metadata` when present;
 * `workspace` — a string `path`; `checkpoint` — a string `childId`;
 * `resumed` — a number `attempt` and a string `host`. Other types are not inspected further.
 */
import { errorMessage } from '../ground/errorMessage.js';
import { JournalError } from '../ground/errors.js';
import { type JournalRecord, OUTCOMES } from './journal.js';

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

function needString(fields: Fields, key: string, optional = false): string | undefined {
  const value = fields[key];
  if (optional && value === undefined) return undefined;
  if (typeof value !== 'string' || (!optional && value === '')) {
    return `"${key}" must be a ${optional ? '' : 'non-empty '}string`;
  }
  return undefined;
}

function needNumber(fields: Fields, key: string): string | undefined {
  return isNumber(fields[key]) ? undefined : `"${key}" must be a finite number`;
}

function needOptionalObject(fields: Fields, key: string): string | undefined {
  const value = fields[key];
  return value === undefined || isObject(value) ? undefined : `"${key}" must be an object`;
}

/** Why `value` is not a valid journal record, or `undefined` when it is one. */
export function recordProblem(value: unknown): string | undefined {
  if (!isObject(value)) return `expected a record object, got ${describe(value)}`;
  const base =
    needString(value, 'type') ??
    needString(value, 'sessionId') ??
    (isNumber(value.at) ? undefined : '"at" must be a finite number (epoch ms)');
  if (base) return base;
  switch (value.type) {
    case 'created':
      return (
        needOptionalObject(value, 'metadata') ??
        needOptionalObject(value, 'spec') ??
        needOptionalObject(value, 'traceContext')
      );
    case 'terminal':
      if (!OUTCOMES.includes(value.outcome as never)) {
        return `"outcome" must be one of ${OUTCOMES.join(', ')}`;
      }
      return (
        needNumber(value, 'createdAt') ??
        needNumber(value, 'endedAt') ??
        needNumber(value, 'restarts') ??
        needString(value, 'reason', true) ??
        needOptionalObject(value, 'metadata')
      );
    case 'workspace':
      return needString(value, 'path');
    case 'checkpoint':
      return needString(value, 'childId');
    case 'resumed':
      return (
        needNumber(value, 'attempt') ??
        needString(value, 'host') ??
        needOptionalObject(value, 'traceContext')
      );
    default:
      return undefined;
  }
}

/**
 * The JSON line for `value` and the record as it will read back, or why it
 * is not a record. Validating the parsed form rather than the input catches
 * what JSON silently changes (a NaN `at` becomes null, a `toJSON` rewrites
 * the object). Both journals store exactly this, so they accept the same.
 */
export function recordFromValue(
  value: unknown,
): { line: string; record: JournalRecord } | { problem: string } {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    return { problem: `it cannot be serialised to JSON (${errorMessage(error)})` };
  }
  if (json === undefined) return { problem: 'it has no JSON form' };
  const parsed: unknown = JSON.parse(json);
  const problem = recordProblem(parsed);
  return problem === undefined
    ? { line: `${json}\n`, record: parsed as JournalRecord }
    : { problem };
}

/** `recordFromValue`, throwing `JournalError` 'corrupt' for a value that is not a record. */
export function encodeRecord(
  record: unknown,
  path: string | undefined,
): { line: string; record: JournalRecord } {
  const result = recordFromValue(record);
  if ('problem' in result) {
    throw new JournalError(
      'corrupt',
      `Refusing to append an invalid record to ${path ?? 'the memory journal'}: ${result.problem}.`,
      path === undefined ? {} : { path },
    );
  }
  return result;
}
