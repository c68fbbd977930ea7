/**
 * Where a cluster keeps things in NATS: every name derives from the prefix,
 * so several clusters share one NATS without seeing each other.
 *
 * ```ts
 * const names = clusterNames('xotp');
 * names.journalStream;          // 'xotp_journal', subjects 'xotp.journal.>'
 * names.journalSubject('a-1');  // 'xotp.journal.a-1'
 * names.hostsBucket;            // 'xotp_hosts': one lease per host, bucket TTL = lease TTL
 * names.ownersBucket;           // 'xotp_owners': one key per live session
 * names.hostSubject('worker-1') // 'xotp.host.worker-1': requests to that host
 * hostKey('worker 1.lan');      // '=d29ya2VyIDEubGFu': ids outside [A-Za-z0-9_-] are base64url'd
 * ```
 *
 * Session ids match /^[A-Za-z0-9_-]{1,64}$/ (checked by the store), an
 * alphabet that is both one NATS subject token and a valid KV key, so an id
 * is its own encoding. Host ids are free-form (a hostname), so `hostKey`
 * keeps a plain one as it is and writes any other as '=' + base64url: the
 * '=' cannot occur in a plain one, so two hosts never share a key.
 */
import { isToken } from './options.js';

export interface ClusterNames {
  prefix: string;
  journalStream: string;
  journalSubjects: string;
  journalSubject(sessionId: string): string;
  hostsBucket: string;
  ownersBucket: string;
  /** The KV stream behind a bucket, and the subject of one key in it. */
  kvStream(bucket: string): string;
  kvSubject(bucket: string, key: string): string;
  hostSubject(hostId: string): string;
}

export function hostKey(hostId: string): string {
  return isToken(hostId) ? hostId : `=${Buffer.from(hostId, 'utf8').toString('base64url')}`;
}

export function clusterNames(prefix: string): ClusterNames {
  return {
    prefix,
    journalStream: `${prefix}_journal`,
    journalSubjects: `${prefix}.journal.>`,
    journalSubject: (sessionId) => `${prefix}.journal.${sessionId}`,
    hostsBucket: `${prefix}_hosts`,
    ownersBucket: `${prefix}_owners`,
    kvStream: (bucket) => `KV_${bucket}`,
    kvSubject: (bucket, key) => `$KV.${bucket}.${key}`,
    hostSubject: (hostId) => `${prefix}.host.${hostKey(hostId)}`,
  };
}
