/**
 * The sessions this host owns right now, and the appends to them: each one
 * fenced on the session's last subject sequence, in call order.
 *
 * ```ts
 * const owned = ownedSessions({ journal, newMsgId, isHeld, onFenced });
 * owned.add('a-1', { lastSeq: 12, revision: 40 });
 * await owned.append(record);   // ClusterError('fenced') if another host wrote to a-1 since seq 12
 * owned.fenceAll();             // the lease is gone: every append from now on is refused
 * ```
 *
 * An append refused by the stream (10071: the subject moved, so another
 * host took the session over) fences that session: it leaves the owned
 * set, `onFenced` reports it, and nothing more is ever written for it from
 * here. An append that got no answer within the budget rejects with
 * `ClusterError('timeout')` and leaves the session *in doubt*; the next
 * append first reads the subject's last message from the stream leader to
 * learn whether the lost one landed (its message id says so).
 */
import { ClusterError, SessionError } from '../ground/errors.js';
import type { JournalRecord } from '../journal/index.js';
import type { JournalStream } from './journalStream.js';
import { isWrongLastSequence } from './natsCalls.js';

export interface OwnedSession {
  /** The stream sequence of the session's last record: what the next append expects. */
  lastSeq: number;
  /** The owner key's revision this host holds. */
  revision: number;
}

interface Held extends OwnedSession {
  tail: Promise<unknown>;
  /** The message id of an append that timed out, until the next append resolves it. */
  inDoubt: string | undefined;
}

export interface OwnedSessionsOptions {
  journal: JournalStream;
  newMsgId(): string;
  /** Whether this host still holds its lease (on its own clock). */
  isHeld(): boolean;
  onFenced(sessionId: string, reason: string): void;
}

export interface OwnedSessions {
  add(sessionId: string, session: OwnedSession): void;
  holds(sessionId: string): boolean;
  /** Stops holding it (its terminal record is written); the owner key revision to release. */
  remove(sessionId: string): number | undefined;
  append(record: JournalRecord): Promise<void>;
  /** Drops every session, to be refused as fenced; returns their ids. */
  fenceAll(): string[];
  /** Resolves once every append started so far has settled. */
  settled(): Promise<void>;
}

export function ownedSessions(options: OwnedSessionsOptions): OwnedSessions {
  const held = new Map<string, Held>();
  const fenced = new Set<string>();
  const pending = new Set<Promise<unknown>>();

  const fencedError = (sessionId: string, why: string) =>
    new ClusterError('fenced', `Session ${sessionId}: ${why}; nothing was written.`, { sessionId });

  const refuse = (sessionId: string, reason: string) => {
    if (!held.delete(sessionId)) return;
    fenced.add(sessionId);
    options.onFenced(sessionId, reason);
  };

  const resolveDoubt = async (sessionId: string, session: Held) => {
    const msgId = session.inDoubt;
    if (msgId === undefined) return;
    const last = await options.journal.last(sessionId);
    session.inDoubt = undefined;
    if (last && last.seq > session.lastSeq && last.msgId === msgId) session.lastSeq = last.seq;
  };

  const write = async (sessionId: string, session: Held, record: JournalRecord) => {
    if (held.get(sessionId) !== session) throw fencedError(sessionId, 'this host lost it');
    if (!options.isHeld()) {
      throw fencedError(sessionId, 'this host has not renewed its lease in time');
    }
    await resolveDoubt(sessionId, session);
    const msgID = options.newMsgId();
    try {
      const ack = await options.journal.append(record, {
        lastSubjectSequence: session.lastSeq,
        msgID,
      });
      session.lastSeq = ack.seq;
    } catch (error) {
      if (isWrongLastSequence(error)) {
        const reason = `another host appended to session ${sessionId}: it was taken over`;
        refuse(sessionId, reason);
        throw fencedError(sessionId, reason);
      }
      if (error instanceof ClusterError && error.code === 'timeout') session.inDoubt = msgID;
      throw error;
    }
  };

  return {
    add(sessionId, session) {
      fenced.delete(sessionId);
      held.set(sessionId, { ...session, tail: Promise.resolve(), inDoubt: undefined });
    },
    holds: (sessionId) => held.has(sessionId),
    remove(sessionId) {
      const session = held.get(sessionId);
      held.delete(sessionId);
      return session?.revision;
    },
    append(record) {
      const sessionId = record.sessionId;
      const session = held.get(sessionId);
      if (session === undefined) {
        return Promise.reject(
          fenced.has(sessionId)
            ? fencedError(sessionId, 'this host lost it')
            : new SessionError('not_found', `Session ${sessionId} is not owned by this host.`, {
                sessionId,
              }),
        );
      }
      const result = session.tail.then(() => write(sessionId, session, record));
      session.tail = result.catch(() => {});
      pending.add(result);
      const untrack = () => pending.delete(result);
      result.then(untrack, untrack);
      return result;
    },
    fenceAll() {
      const ids = [...held.keys()];
      for (const id of ids) fenced.add(id);
      held.clear();
      return ids;
    },
    async settled() {
      await Promise.allSettled([...pending]);
    },
  };
}
