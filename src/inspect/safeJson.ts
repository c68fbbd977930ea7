/**
 * `toSafeJson(value)` turns anything an actor system carries (events,
 * contexts, errors) into plain JSON data, and never throws.
 *
 * ```ts
 * const event = { type: 'HIRE', worker: someActorRef, self: undefined as unknown };
 * event.self = event;
 * toSafeJson(event); // { type: 'HIRE', worker: { actorId: 'worker-1' }, self: '[Circular]' }
 * ```
 *
 * - Actor refs become `{ actorId }`: a ref's own fields reach the whole
 *   system (parent, children, clock), which is neither useful nor finite.
 * - Cycles become `'[Circular]'`; a value shared by two branches is written
 *   twice, as `JSON.stringify` would.
 * - Errors become `{ name, message }` (plus a string `code` when present).
 * - `Map` becomes an array of `[key, value]` pairs, `Set` an array, `Date` an
 *   ISO string, `bigint` a decimal string, functions `'[Function name]'`.
 * - Limits keep the result bounded: deeper values become `'[Object]'` /
 *   `'[Array]'`, long strings and large collections are cut with a marker.
 * - `undefined` properties are dropped and array holes become `null`, as in JSON.
 *
 * @module
 */

export interface SafeJsonLimits {
  /** Nesting depth kept; default 8. */
  maxDepth: number;
  /** Characters kept per string; default 2000. */
  maxString: number;
  /** Items kept per array, Map, Set or object; default 100. */
  maxItems: number;
}

export const DEFAULT_SAFE_JSON_LIMITS: SafeJsonLimits = {
  maxDepth: 8,
  maxString: 2000,
  maxItems: 100,
};

/** A JSON-safe copy of `value` (`undefined` when JSON would drop it). */
export function toSafeJson(value: unknown, limits: Partial<SafeJsonLimits> = {}): unknown {
  const all: SafeJsonLimits = { ...DEFAULT_SAFE_JSON_LIMITS, ...limits };
  try {
    return convert(value, all, [], 0);
  } catch {
    return '[Unserialisable]';
  }
}

/** True for anything that looks like an XState actor ref. */
export function isActorRef(value: unknown): value is { id?: unknown; sessionId: string } {
  if (!value || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const ref = value as { sessionId?: unknown; send?: unknown; getSnapshot?: unknown };
  return (
    typeof ref.sessionId === 'string' &&
    typeof ref.send === 'function' &&
    typeof ref.getSnapshot === 'function'
  );
}

function convert(value: unknown, limits: SafeJsonLimits, stack: object[], depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return cut(value, limits.maxString);
    case 'number':
      // JSON would write NaN and Infinity as null, which reads as "absent".
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'symbol':
      return value.toString();
    case 'function':
      return isActorRef(value) ? actorRefJson(value) : `[Function ${value.name || 'anonymous'}]`;
    case 'undefined':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (isActorRef(obj)) return actorRefJson(obj);
  if (stack.includes(obj)) return '[Circular]';
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (obj instanceof Error) return errorJson(obj, limits);
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
    return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
  }
  if (depth >= limits.maxDepth) return Array.isArray(obj) ? '[Array]' : '[Object]';

  stack.push(obj);
  try {
    const next = (v: unknown): unknown => convert(v, limits, stack, depth + 1);
    if (Array.isArray(obj)) return listJson(obj, limits, (v) => next(v) ?? null);
    if (obj instanceof Set) return listJson([...obj], limits, (v) => next(v) ?? null);
    if (obj instanceof Map) {
      return listJson([...obj], limits, ([k, v]: [unknown, unknown]) => [
        next(k) ?? null,
        next(v) ?? null,
      ]);
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return next(toJSON.call(obj));
    return objectJson(obj, limits, next);
  } finally {
    stack.pop();
  }
}

function actorRefJson(ref: { id?: unknown; sessionId: string }): { actorId: string } {
  return { actorId: typeof ref.id === 'string' ? ref.id : ref.sessionId };
}

function errorJson(error: Error, limits: SafeJsonLimits): Record<string, string> {
  const out: Record<string, string> = {
    name: cut(String(error.name), limits.maxString),
    message: cut(String(error.message), limits.maxString),
  };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = String(code);
  return out;
}

function listJson<T>(items: T[], limits: SafeJsonLimits, map: (item: T) => unknown): unknown[] {
  const kept = items.slice(0, limits.maxItems).map(map);
  if (items.length > limits.maxItems) kept.push(`[…${items.length - limits.maxItems} more]`);
  return kept;
}

function objectJson(
  obj: object,
  limits: SafeJsonLimits,
  next: (v: unknown) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(obj);
  for (const key of keys.slice(0, limits.maxItems)) {
    let v: unknown;
    try {
      v = next((obj as Record<string, unknown>)[key]);
    } catch {
      // A throwing getter or a revoked proxy must not cost the whole line.
      v = '[Unreadable]';
    }
    // defineProperty, because assigning a `__proto__` key would set the prototype.
    if (v !== undefined) {
      Object.defineProperty(out, key, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  if (keys.length > limits.maxItems) out['…'] = `${keys.length - limits.maxItems} more keys`;
  return out;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more chars]`;
}
