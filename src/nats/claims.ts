/**
 * Claims and ownership: who may write a session, from its first record to
 * its release. A claim creates the session's owner key (create-if-absent:
 * one winner cluster-wide), then writes its `owner` record on an empty
 * subject (so an id used before, whose key is long gone, still fails).
 *
 * ```ts
 * const claims = sessionClaims({ hostId: 'w1', journal, owners, owned, newMsgId, incarnation, now, onError });
 * await claims.claim('a-1', { createdAt: Date.now() }); // SessionError('duplicate_id') if ever used
 * claims.holds('a-1');                                  // true: held or being claimed
 * await claims.adopt(entry);                            // a dead host's session, fenced, now ours
 * claims.release('a-1');                                // terminal written: the key goes, in the background
 * await claims.settled();                               // every release in flight has ended
 * ```
 *
 * A claim that gets no answer for its `owner` record asks the stream
 * leader whether the record landed (its message id says so): then the
 * claim stands; if the subject is empty, the key is given back; if even
 * that cannot be known, the key is kept, and the sweeper ends what this
 * host holds a key for but no session.
 */
import { SessionError } from '../ground/errors.js';
import type { SessionSummary } from '../journal/index.js';
import type { SessionClaim } from '../manager/store.js';
import type { JournalStream } from './journalStream.js';
import { isWrongLastSequence } from './natsCalls.js';
import type { OwnedSessions } from './ownedSessions.js';
import type { OwnerEntry, OwnersBucket } from './owners.js';
import { ownerRecord, type TakeoverContext, takeOwnership } from './takeover.js';

export interface ClaimsOptions extends TakeoverContext {
  journal: JournalStream;
  owners: OwnersBucket;
  owned: OwnedSessions;
  /** A release that failed: harmless (the sweeper removes the key), reported only. */
  onError(error: unknown): void;
}

export interface SessionClaims {
  claim(sessionId: string, claim: SessionClaim): Promise<void>;
  /**
   * Takes a session whose owner is gone for this host to run (a leftover of
   * its previous incarnation, or a dead host's durable session): its summary
   * once it is held, `undefined` when another host won it or it had ended.
   */
  adopt(entry: OwnerEntry): Promise<SessionSummary | undefined>;
  /** Held, or being claimed or adopted right now. */
  holds(sessionId: string): boolean;
  release(sessionId: string): void;
  settled(): Promise<void>;
}

const duplicate = (sessionId: string) =>
  new SessionError('duplicate_id', `Session id ${sessionId} is in use or was used before.`, {
    sessionId,
  });

/** Writes the claim's `owner` record, only on an empty subject; resolves its sequence. */
async function writeClaimRecord(
  options: ClaimsOptions,
  sessionId: string,
  revision: number,
): Promise<number> {
  const { journal, owners, onError } = options;
  const msgID = options.newMsgId();
  try {
    const ack = await journal.append(ownerRecord(options, sessionId, 1), {
      lastSubjectSequence: 0,
      msgID,
    });
    return ack.seq;
  } catch (error) {
    if (isWrongLastSequence(error)) {
      await owners.release(sessionId, revision).catch(onError);
      throw duplicate(sessionId);
    }
    const last = await journal.last(sessionId).catch(() => null);
    if (last?.msgId === msgID) return last.seq;
    if (last === undefined) await owners.release(sessionId, revision).catch(onError);
    throw error;
  }
}

export function sessionClaims(options: ClaimsOptions): SessionClaims {
  const { owners, owned } = options;
  const claiming = new Set<string>();
  const releasing = new Set<Promise<void>>();

  return {
    async claim(sessionId, { createdAt, type }) {
      if (owned.holds(sessionId) || claiming.has(sessionId)) throw duplicate(sessionId);
      claiming.add(sessionId);
      try {
        const revision = await owners.claim(sessionId, {
          host: options.hostId,
          incarnation: options.incarnation(),
          epoch: 1,
          createdAt,
          ...(type === undefined ? {} : { type }),
        });
        if (revision === undefined) throw duplicate(sessionId);
        const lastSeq = await writeClaimRecord(options, sessionId, revision);
        owned.add(sessionId, { lastSeq, revision });
      } finally {
        claiming.delete(sessionId);
      }
    },
    async adopt(entry) {
      const { sessionId } = entry;
      if (owned.holds(sessionId) || claiming.has(sessionId)) return undefined;
      // Claiming, as far as the sweeper can tell: an entry of this
      // incarnation that is not held yet is not an orphan.
      claiming.add(sessionId);
      try {
        const taken = await takeOwnership(options, entry);
        if (!taken) return undefined;
        owned.add(sessionId, { lastSeq: taken.lastSeq, revision: taken.revision });
        return taken.summary;
      } finally {
        claiming.delete(sessionId);
      }
    },
    holds: (sessionId) => owned.holds(sessionId) || claiming.has(sessionId),
    release(sessionId) {
      const revision = owned.remove(sessionId);
      if (revision === undefined) return;
      // In the background: the terminal record is what counts. An owner key
      // left behind by a failure here is harmless (the id stays used, the
      // sweeper finds the session ended and removes the key).
      const removal = owners.release(sessionId, revision).catch(options.onError);
      releasing.add(removal);
      removal.finally(() => releasing.delete(removal));
    },
    async settled() {
      await Promise.allSettled([...releasing]);
    },
  };
}
