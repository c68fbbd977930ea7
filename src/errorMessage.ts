/**
 * The message of anything thrown, for putting a cause into a sentence.
 *
 * ```ts
 * try { await work(); } catch (error) { throw new Error(`work failed: ${errorMessage(error)}`); }
 * errorMessage(new Error('disk full')); // 'disk full'
 * errorMessage('plain string');         // 'plain string'
 * ```
 *
 * JavaScript lets any value be thrown, so a cause is not always an `Error`.
 */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
