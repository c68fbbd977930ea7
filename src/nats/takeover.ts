/**
 * Taking a session over from an owner that is gone: the one move behind
 * failover (a survivor ends a dead host's sessions, or resumes its durable
 * ones), rejoining (a fenced host ends what its lost incarnation owned) and
 * restart (a host reclaims what its previous run left, for the manager to
 * end or resume).
 *
 * ```ts
 * const ended = await interruptOrphan(ctx, entry, 'host w1 stopped renewing its lease');
 * //  -> the session's summary with its new terminal record, or undefined (not ours to end)
 * const taken = await takeOwnership(ctx, entry);
 * //  -> { summary, lastSeq, revision }: owned by this incarnation, fenced against the old one
 * ```
 *
 * Both start with a compare-and-set of the owner key from the revision that
 * was read: of all hosts trying, exactly one wins, the others stop there.
 * The winner then reads the session's last journal message from the stream
 * leader and appends, expecting that sequence:
 * - a terminal record already there (the old owner ended it just in time):
 *   nothing is appended, the key is released;
 * - otherwise `interruptOrphan` appends the terminal `interrupted` record
 *   and `takeOwnership` an `owner` record. Either moves the subject's
 *   sequence, so an append the old owner still had in flight (it was
 *   paused, not dead) is refused: from here on, it is fenced. If the old
 *   owner's append landed first, the expectation fails instead, and the
 *   winner reads again.
 * So a session gets one terminal record, whoever races.
 */
import type { JournalRecord, JournalTerminalRecord, SessionSummary } from '../journal/index.js';
import { replayJournal } from '../journal/index.js';
import { publishClusterFailover } from '../telemetry/index.js';
import type { JournalStream, StreamRecord } from './journalStream.js';
import { isWrongLastSequence } from './natsCalls.js';
import type { OwnerEntry, OwnersBucket, OwnerValue } from './owners.js';

export interface TakeoverContext {
  hostId: string;
  incarnation(): string;
  newMsgId(): string;
  now(): number;
  journal: JournalStream;
  owners: OwnersBucket;
}

/** A session's summary from its records; the owner entry fills what they lack. */
export function summarise(
  records: readonly StreamRecord[],
  owner?: OwnerValue,
  sessionId?: string,
): SessionSummary | undefined {
  const summary = replayJournal(records.map((entry) => entry.record)).sessions[0];
  if (summary) {
    if (summary.host === undefined) {
      const host = lastOwnerHost(records) ?? owner?.from ?? owner?.host;
      if (host !== undefined) summary.host = host;
    }
    return summary;
  }
  if (owner && sessionId) return { sessionId, createdAt: owner.createdAt, host: owner.host };
  return undefined;
}

function lastOwnerHost(records: readonly StreamRecord[]): string | undefined {
  for (let index = records.length - 1; index >= 0; index--) {
    const record = records[index]!.record;
    if (record.type === 'owner' && typeof record.host === 'string') return record.host;
  }
  return undefined;
}

/** An `owner` record: who holds the session from here on (claims and reclaims). */
export function ownerRecord(ctx: TakeoverContext, sessionId: string, epoch: number): JournalRecord {
  return {
    type: 'owner',
    sessionId,
    at: ctx.now(),
    host: ctx.hostId,
    incarnation: ctx.incarnation(),
    epoch,
  };
}

function interruptedRecord(
  summary: SessionSummary,
  reason: string,
  host: string,
  endedAt: number,
): JournalTerminalRecord {
  return {
    type: 'terminal',
    sessionId: summary.sessionId,
    at: endedAt,
    outcome: 'interrupted',
    reason,
    createdAt: summary.createdAt,
    endedAt,
    restarts: summary.restarts ?? 0,
    host: summary.host ?? host,
    ...(summary.metadata === undefined ? {} : { metadata: summary.metadata }),
    ...(summary.attempts === undefined ? {} : { attempts: summary.attempts }),
  };
}

async function takeKey(
  ctx: TakeoverContext,
  entry: OwnerEntry,
): Promise<(OwnerValue & { revision: number }) | undefined> {
  const value: OwnerValue = {
    host: ctx.hostId,
    incarnation: ctx.incarnation(),
    epoch: entry.value.epoch + 1,
    createdAt: entry.value.createdAt,
    from: entry.value.from ?? entry.value.host,
    ...(entry.value.type === undefined ? {} : { type: entry.value.type }),
  };
  const revision = await ctx.owners.take(entry.sessionId, entry.revision, value);
  return revision === undefined ? undefined : { ...value, revision };
}

/**
 * Ends an orphaned session with `interrupted` (once), then releases it.
 * Resolves its final summary, or `undefined` when another host won the
 * takeover or the session had ended already. `onEnded` hears of the end as
 * soon as the terminal record is written, before the key is released.
 */
export async function interruptOrphan(
  ctx: TakeoverContext,
  entry: OwnerEntry,
  reason: string,
  onEnded?: (summary: SessionSummary) => void,
): Promise<SessionSummary | undefined> {
  const startedAt = performance.now();
  const taken = await takeKey(ctx, entry);
  if (!taken) return undefined;
  // On a failure from here on the key stays this host's: a later sweep
  // finds an entry of this incarnation that the store does not hold, and
  // finishes the job (see sweeper.ts).
  for (let attempt = 0; ; attempt++) {
    // First the records as any replica has them: the append below is
    // checked against the subject's last sequence by the stream leader, so
    // a read that was behind only costs a refusal; then the leader's view.
    const fromLeader = attempt === 0 ? undefined : await ctx.journal.last(entry.sessionId);
    const records = await ctx.journal.readSession(entry.sessionId);
    const last = attempt === 0 ? records.at(-1) : fromLeader;
    if (last?.record?.type === 'terminal') {
      await ctx.owners.release(entry.sessionId, taken.revision);
      return undefined;
    }
    const summary = summarise(records, entry.value, entry.sessionId)!;
    const terminal = interruptedRecord(summary, reason, entry.value.host, ctx.now());
    try {
      await ctx.journal.append(terminal, {
        lastSubjectSequence: last?.seq ?? 0,
        msgID: ctx.newMsgId(),
      });
    } catch (error) {
      if (isWrongLastSequence(error)) continue;
      throw error;
    }
    const ended = { ...summary, terminal };
    publishClusterFailover(entry.sessionId, ctx.hostId, entry.value.host, reason, startedAt);
    onEnded?.(ended);
    await ctx.owners.release(entry.sessionId, taken.revision);
    return ended;
  }
}

export interface Reclaimed {
  summary: SessionSummary;
  lastSeq: number;
  revision: number;
  epoch: number;
}

/**
 * Takes a session whose owner is gone for this incarnation to run, fenced
 * against the old owner by an `owner` record with the higher epoch: a
 * leftover of this host's previous incarnation, or a durable session of a
 * dead host that this one resumes. `undefined` when another host won it or
 * it had ended (then its key is released).
 */
export async function takeOwnership(
  ctx: TakeoverContext,
  entry: OwnerEntry,
): Promise<Reclaimed | undefined> {
  const startedAt = performance.now();
  const taken = await takeKey(ctx, entry);
  if (!taken) return undefined;
  for (;;) {
    const last = await ctx.journal.last(entry.sessionId);
    if (last?.record?.type === 'terminal') {
      await ctx.owners.release(entry.sessionId, taken.revision);
      return undefined;
    }
    try {
      const ack = await ctx.journal.append(ownerRecord(ctx, entry.sessionId, taken.epoch), {
        lastSubjectSequence: last?.seq ?? 0,
        msgID: ctx.newMsgId(),
      });
      const records = await ctx.journal.readSession(entry.sessionId);
      const summary = summarise(records, entry.value, entry.sessionId)!;
      if (entry.value.host !== ctx.hostId) {
        const reason = `host ${entry.value.host} is gone; resumed on host ${ctx.hostId}`;
        publishClusterFailover(entry.sessionId, ctx.hostId, entry.value.host, reason, startedAt);
      }
      return { summary, lastSeq: ack.seq, revision: taken.revision, epoch: taken.epoch };
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
  }
}
