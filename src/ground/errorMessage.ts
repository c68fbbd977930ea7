/**
 * The message of anything thrown, for putting a cause into a sentence.
 *
 * ```ts
 * try { await work(); } catch (error) { throw new Error(`work failed: ${errorMessage(error)}`); }
 * errorMessage(new Error('disk full'));   // 'disk full'
 * errorMessage('plain string');           // 'plain string'
 * errorMessage(Object.create(null));      // '{}' (String() would throw)
 * ```
 *
 * JavaScript lets any value be thrown, so a cause is not always an `Error`,
 * and not always something `String()` can convert: an object without a
 * prototype, or an error whose `message` getter throws. Describing a failure
 * must never become a failure of its own (a reason that cannot be written
 * would cost a session its terminal record), so this never throws.
 */
export function errorMessage(thrown: unknown): string {
  try {
    return thrown instanceof Error ? String(thrown.message) : String(thrown);
  } catch {
    try {
      const json = JSON.stringify(thrown);
      if (typeof json === 'string') return json;
    } catch {}
    return `a thrown ${typeof thrown} that cannot be shown as text`;
  }
}
