/**
 * Size limits on what a session carries into the journal, every snapshot
 * and the dashboard: its metadata, and the reasons its outcomes give.
 *
 * ```ts
 * capReason('x'.repeat(10_000));  // the first 4,096 characters, then '… [5904 more characters cut]'
 * capReason('disk full');         // 'disk full' (short reasons are left alone)
 * MAX_METADATA_BYTES;             // 65,536: createSession refuses larger metadata ('invalid_spec')
 * ```
 *
 * A reason is text made from whatever failed (an error message, a
 * `terminateSession` reason), so nothing bounds it: a multi-megabyte error
 * message would otherwise be written to the journal, kept in every view and
 * pushed to every dashboard client. It is cut, with a marker saying how much
 * was cut, where it is made; a cut reason is never cut twice. Metadata is
 * the caller's own, so it is refused rather than cut: a cut object would not
 * be the object the caller passed.
 */

/** Longest reason kept, in UTF-16 code units (JavaScript string length), before the marker. */
export const MAX_REASON_LENGTH = 4096;

/** Largest `metadata` accepted, in bytes of its JSON text (UTF-8). */
export const MAX_METADATA_BYTES = 64 * 1024;

const MARKER = /… \[\d+ more characters cut\]$/;

/** `text` cut to `MAX_REASON_LENGTH` with a marker naming how much was cut; shorter text as is. */
export function capReason(text: string): string {
  if (text.length <= MAX_REASON_LENGTH) return text;
  // Already cut (a reason built from a cut reason): cut once only, keeping the marker.
  const marker = MARKER.exec(text);
  if (marker && marker.index <= MAX_REASON_LENGTH) return text;
  let end = MAX_REASON_LENGTH;
  // Never split a surrogate pair: half an emoji is not valid text.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… [${text.length - end} more characters cut]`;
}

/** Bytes of `value`'s JSON text (UTF-8). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}
