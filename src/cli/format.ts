/**
 * Small formatters shared by the CLI's tables and lines.
 *
 * ```ts
 * formatDuration(1234);     // '1.2s'
 * formatDuration(83_000);   // '1m23s'
 * formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5)); // '2025-01-02 03:04:05' in UTC, local time otherwise
 * oneLine('a\n  b');        // 'a b'
 * shortReason('Reached the maximum restart intensity (2 restarts within 60000 ms); the last failure was child "agent": Command `node x.js` exited with code 3 after 140 ms. …');
 * // 'restart limit reached: agent exited with code 3 after 140 ms'
 * // With intensity 0 ('(0 restarts within …)'): 'no restart allowed: agent was killed by SIGKILL after 279 ms'
 * cutAtWord('restart limit reached: agent exited', 20); // 'restart limit…'
 * ```
 */

/** A human duration: `450ms`, `1.2s`, `12s`, `1m23s`, `2h05m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in local time: when a session was created, for a person reading a table. */
export function formatTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Collapses whitespace runs (newlines included): error messages and reasons stay on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const INTENSITY =
  /^Reached the maximum restart intensity \((\d+) restarts? within [^)]*\); the last failure was child "([^"]+)": (.*)$/s;
const COMMAND = /^Command `[^`]*` (.*?)(?:[.,:](?:\s|$)|$)/s;

/**
 * A reason short enough for a table cell. The runtime's own long messages
 * (a supervisor giving up, a process that failed) are reduced to what
 * happened to whom; anything else is returned as one line. The full text
 * stays in the journal and in `--json`.
 */
export function shortReason(reason: string): string {
  const text = oneLine(reason);
  const gaveUp = INTENSITY.exec(text);
  if (!gaveUp) return shortCause(text);
  const [, intensity, child, cause] = gaveUp;
  // With intensity 0 there is no limit to reach: the first failure is final.
  const verdict = intensity === '0' ? 'no restart allowed' : 'restart limit reached';
  return `${verdict}: ${child} ${shortCause(cause!)}`;
}

function shortCause(cause: string): string {
  return COMMAND.exec(cause)?.[1] ?? cause;
}

/**
 * `text` cut to at most `width` characters, at a word boundary when there is
 * one in its second half, with '…' marking the cut.
 */
export function cutAtWord(text: string, width: number): string {
  if (text.length <= width) return text;
  const room = Math.max(0, width - 1);
  const space = text.lastIndexOf(' ', room);
  const end = space >= room / 2 ? space : room;
  return `${text.slice(0, end).trimEnd()}…`;
}
