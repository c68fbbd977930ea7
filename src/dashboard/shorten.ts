/**
 * Long strings cut for the wire: what the session stream sends a browser is
 * bounded whatever a session holds (a megabyte of metadata, a huge record
 * in an old journal), and the page can tell a cut string by its marker and
 * fetch it whole from `GET /api/sessions/:id`, which is never cut.
 *
 * ```ts
 * shortenStrings({ title: 'x'.repeat(10_000), n: 1 }, 4096);
 * // { title: 'xxxx…x… [5904 more characters]', n: 1 }   (4,096 x, then the marker)
 * shortenStrings({ title: 'short' }, 4096);   // the same object back: nothing to cut
 * ```
 *
 * Only strings are cut, anywhere in plain objects and arrays; everything
 * else is kept as it is. Objects are copied only on the way to a cut
 * string, so a detail with nothing long costs a walk and no copy.
 */

/** Longest string a session stream sends, in characters, before its marker. */
export const MAX_FIELD_CHARS = 4096;

function cut(text: string, max: number): string {
  let end = max;
  const last = text.charCodeAt(end - 1);
  // Never split a surrogate pair.
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… [${text.length - end} more characters]`;
}

export function shortenStrings<T>(value: T, max: number = MAX_FIELD_CHARS): T {
  if (typeof value === 'string') return (value.length > max ? cut(value, max) : value) as T;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const short = shortenStrings(item, max);
      if (short !== item) {
        copy ??= value.slice();
        copy[i] = short;
      }
    }
    return (copy ?? value) as T;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const short = shortenStrings(item, max);
    if (short !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = short;
    }
  }
  return (copy ?? value) as T;
}
