/**
 * The oldest nats-server cluster mode runs on: 2.9.0.
 *
 * ```ts
 * checkServerVersion('2.9.10');  // fine (Debian's)
 * checkServerVersion('2.8.4');   // throws ClusterError('unsupported_server')
 * ```
 *
 * What cluster mode needs, and 2.9 has: per-subject expected sequences on
 * publish (`Nats-Expected-Last-Subject-Sequence`, the fencing of every
 * append and every KV compare-and-set), message de-duplication by id, the
 * direct get API with `next_by_subj`, bucket-wide TTL (`max_age`) and
 * consumers with one filter subject. What it must not use, because 2.9
 * silently ignores it or the client refuses it: per-key TTLs, subject delete
 * markers (`markerTTL`), `lastSubjectSequenceSubject`, and arrays of filter
 * subjects (2.10). So leases use the bucket TTL and are found expired by
 * polling (2.9 watchers see no event when a TTL removes an entry).
 */
import { ClusterError } from '../ground/errors.js';

export const MIN_SERVER_VERSION = [2, 9, 0] as const;

/** Throws `ClusterError('unsupported_server')` unless `version` is >= 2.9.0. */
export function checkServerVersion(version: string | undefined): void {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  const parts = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
  if (parts === undefined || compareVersions(parts, MIN_SERVER_VERSION) < 0) {
    throw new ClusterError(
      'unsupported_server',
      `nats-server ${version ?? '(unknown version)'} is too old for cluster mode: it needs ${MIN_SERVER_VERSION.join('.')} or newer.`,
    );
  }
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < b.length; index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
