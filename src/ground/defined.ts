/**
 * `definedFields({ a: 1, b: undefined })` is `{ a: 1 }`: optional fields are
 * left out rather than set to `undefined`, so an object equals its own JSON
 * round trip (the journal stores JSON) and `'b' in object` tells the truth.
 */
export function definedFields<T extends object>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: { [K in keyof T]?: Exclude<T[K], undefined> } = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    const value = fields[key];
    if (value !== undefined) out[key] = value as Exclude<T[typeof key], undefined>;
  }
  return out;
}
