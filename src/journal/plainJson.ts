/**
 * Whether a value is plain JSON that survives a journal round trip as it
 * is: what the session API checks `metadata` with, so that the journal never
 * refuses (or silently rewrites) a record the API accepted.
 *
 * ```ts
 * isPlainJson({ task: 'fix', tries: [1, 2], done: false, note: null }); // true
 * isPlainJson({ when: new Date() });       // false: JSON turns a Date into a string
 * plainJsonProblem({ when: new Date() }, 'metadata');
 * // 'metadata.when is a Date (JSON turns it into a string)'
 * isPlainJsonObject([1, 2]);               // false: plain JSON, but not an object
 * ```
 *
 * Plain JSON is: `null`, booleans, strings, finite numbers, arrays of plain
 * JSON, and plain objects (prototype `Object.prototype` or `null`) whose
 * string-keyed data properties are plain JSON. Refused, because JSON would
 * change or lose them: `NaN` and `±Infinity` (become `null`), BigInt
 * (throws), functions and symbols (vanish), `undefined` in an array (becomes
 * `null`) or at the top, array holes, Dates, objects with a `toJSON`, class
 * instances (`Map`, `Set`, your own classes: their prototype is lost),
 * symbol keys, getters, cycles. An `undefined` object property is accepted:
 * it vanishes, as the journal documents for every record field.
 */

import { errorMessage } from '../ground/errorMessage.js';

type Found = string | undefined;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

const child = (where: string, key: string) =>
  IDENTIFIER.test(key) ? `${where}.${key}` : `${where}[${JSON.stringify(key)}]`;

function objectProblem(value: object, where: string, ancestors: Set<object>): Found {
  if (ancestors.has(value)) return `${where} refers back to itself (a cycle)`;
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return `${where} is an instance of an Array subclass`;
  } else if (proto !== Object.prototype && proto !== null) {
    if (value instanceof Date) return `${where} is a Date (JSON turns it into a string)`;
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return `${where} is ${typeof name === 'string' && name !== '' ? `a ${name}` : 'a class instance'}, not a plain object`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return `${where} has a toJSON method (JSON would store its result instead)`;
  }
  if (
    Object.getOwnPropertySymbols(value).some((s) =>
      Object.prototype.propertyIsEnumerable.call(value, s),
    )
  ) {
    return `${where} has symbol keys (JSON drops them)`;
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      if (Object.keys(value).length !== value.length) {
        return `${where} has holes or non-index keys (JSON turns holes into null and drops the keys)`;
      }
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const at = `${where}[${i}]`;
        if (item === undefined) return `${at} is undefined (JSON turns it into null)`;
        const found = problemAt(item, at, ancestors);
        if (found) return found;
      }
      return undefined;
    }
    for (const key of Object.keys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      const at = child(where, key);
      if (!('value' in descriptor)) return `${at} is a getter, not a value`;
      if (descriptor.value === undefined) continue;
      const found = problemAt(descriptor.value, at, ancestors);
      if (found) return found;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}

function problemAt(value: unknown, where: string, ancestors: Set<object>): Found {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${where} is ${value} (JSON turns it into null)`;
    case 'bigint':
      return `${where} is a BigInt (JSON cannot hold it)`;
    case 'undefined':
      return `${where} is undefined`;
    case 'function':
    case 'symbol':
      return `${where} is a ${typeof value} (JSON drops it)`;
    default:
      return value === null ? undefined : objectProblem(value as object, where, ancestors);
  }
}

/** Why `value` is not plain JSON, naming where (`metadata.list[2] is NaN …`); undefined when it is. */
export function plainJsonProblem(value: unknown, name = 'the value'): string | undefined {
  try {
    return problemAt(value, name, new Set());
  } catch (error) {
    // Too deep for the stack, or a proxy or getter that threw: JSON would fail on it too.
    if (error instanceof RangeError) return `${name} is nested too deeply`;
    return `${name} cannot be read (${errorMessage(error)})`;
  }
}

/** True when `value` is plain JSON that round-trips unchanged (see the module doc). */
export function isPlainJson(value: unknown): boolean {
  return plainJsonProblem(value) === undefined;
}

/** `isPlainJson`, and a plain object (not an array, not null) at the top: the shape of `metadata`. */
export function isPlainJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && isPlainJson(value);
}
