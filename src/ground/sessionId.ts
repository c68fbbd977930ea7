/**
 * The session-id rule, written once: the manager checks it when a session is
 * created or named, and every store (the file journal, NATS) relies on it.
 *
 * ```ts
 * checkSessionId('fix-bug-42');   // 'fix-bug-42'
 * checkSessionId('a b');          // throws SessionError('invalid_id')
 * ```
 *
 * Ids are 1 to 64 letters, digits, `_` or `-`: safe as a file name, a NATS
 * subject token and a KV key, and short enough to show.
 */
import { SessionError } from './errors.js';
import { shown } from './shown.js';

export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** `id` when it is a valid session id; otherwise throws `SessionError('invalid_id')`. */
export function checkSessionId(id: unknown): string {
  if (typeof id !== 'string' || !SESSION_ID_PATTERN.test(id)) {
    throw new SessionError(
      'invalid_id',
      `Invalid session id ${shown(id)}: use 1 to 64 letters, digits, '_' or '-'.`,
      typeof id === 'string' ? { sessionId: id } : {},
    );
  }
  return id;
}
