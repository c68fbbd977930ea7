/**
 * A value as an error message shows it: `got ${shown(value)}`.
 *
 * ```ts
 * shown('x');         // '"x"'
 * shown(NaN);         // 'NaN' (JSON would say null)
 * shown(1n);          // '1n'  (JSON would throw)
 * shown({ a: 1 });    // '{"a":1}'
 * shown(cyclic);      // 'an object' (JSON would throw)
 * shown(() => 1);     // 'a function'
 * ```
 *
 * Messages used `JSON.stringify`, which throws on a bigint or a cycle: a
 * message that fails to build turns the typed error it was for into a bare
 * `TypeError`. Long values are cut, so that a huge bad input does not make a
 * huge message.
 */
const MAX_SHOWN = 200;

export function shown(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // A cycle, a bigint inside, or a toJSON that throws.
  }
  if (json === undefined) return Array.isArray(value) ? 'an array' : 'an object';
  return json.length > MAX_SHOWN ? `${json.slice(0, MAX_SHOWN)}…` : json;
}
