/**
 * The dashboard's error: bad options, a server that cannot listen, and
 * actions a source refuses.
 *
 * ```ts
 * await serveDashboard(manager, { port: 80 }).catch((error) => {
 *   if (error instanceof DashboardError && error.code === 'listen_failed') console.error('port 80 is taken');
 * });
 * ```
 */
import { OtpError } from '../ground/errors.js';

export type DashboardErrorCode =
  | 'invalid_option'
  | 'listen_failed'
  /** An action asked of a read-only source (a journal view): HTTP 405. */
  | 'read_only'
  /** No such session or child here: HTTP 404. */
  | 'not_found'
  /** The session runs on another host, and this action needs local refs: HTTP 409. */
  | 'remote'
  /** The session or child is not in a state where the action applies: HTTP 409. */
  | 'conflict'
  /** A request body over the route's limit: HTTP 413. */
  | 'too_large';

export class DashboardError extends OtpError {
  declare readonly code: DashboardErrorCode;

  constructor(code: DashboardErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
