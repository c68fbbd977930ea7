/**
 * Start-up reconciliation: what the store knows becomes the manager's index,
 * and what this host left running when it died is closed, once.
 *
 * ```ts
 * const toResume = await reconcile(opened, {
 *   index, recorder, processes, hostId: 'worker-1', ownsEverySession: true, sessionTypes: {}, now,
 * });
 * ```
 *
 * In order:
 * 1. Every process of this manager's scope is killed: nothing runs yet, so
 *    anything carrying the scope was left by the previous host, including
 *    processes of a session whose `created` record never made it to disk.
 * 2. Each leftover durable session whose type this manager has is returned,
 *    for the manager to resume (in cluster mode the store has taken it for
 *    this incarnation already; one of a type this host lacks it leaves to
 *    the sweep, which gives it to a host that has the type). Every other
 *    leftover session (no terminal
 *    record) gets a terminal record with outcome `interrupted`, appended
 *    once: the next open finds it and appends nothing; a durable one whose
 *    type is unknown here says so in its reason. The appends go out together,
 *    so a file journal writes them in one group commit. Its last known
 *    restart count is kept.
 * 3. Their workspaces are kept or removed per policy (`reconcileWorkspaces.ts`),
 *    only now that no process can still be writing in them.
 */

import { definedFields } from '../ground/defined.js';
import type { Outcome, TerminalRecord } from '../ground/outcome.js';
import type { SessionSummary } from '../journal/index.js';
import { viewOfSummary } from '../session/view.js';
import type { ProcessSweeper } from './processes.js';
import { settleWorkspaces } from './reconcileWorkspaces.js';
import type { Recorder } from './recorder.js';
import type { SessionIndex } from './sessionIndex.js';
import type { OpenedStore } from './store.js';

const INTERRUPTED_REASON = 'the host stopped before the session ended';

export interface ReconcileDeps {
  index: SessionIndex;
  recorder: Recorder;
  processes: ProcessSweeper;
  hostId: string;
  /** A single-writer journal: every session in it is this host's, whatever host it names. */
  ownsEverySession: boolean;
  /** The manager's durable session types. */
  sessionTypes: Record<string, unknown> | undefined;
  now(): number;
}

export function interrupted(
  summary: SessionSummary,
  hostId: string,
  endedAt: number,
  reason = INTERRUPTED_REASON,
): TerminalRecord {
  return {
    sessionId: summary.sessionId,
    outcome: 'interrupted',
    reason,
    createdAt: summary.createdAt,
    endedAt,
    restarts: summary.restarts ?? 0,
    host: summary.host ?? hostId,
    ...definedFields({ metadata: summary.metadata, attempts: summary.attempts }),
  };
}

/** Why a durable leftover cannot resume here, or `undefined` when it can. */
function unresumable(
  summary: SessionSummary,
  sessionTypes: Record<string, unknown> | undefined,
): string | undefined {
  const type = summary.durable?.type;
  if (type === undefined || (sessionTypes && Object.hasOwn(sessionTypes, type))) return undefined;
  return `the host stopped before the session ended, and this host has no session type "${type}" to resume it with`;
}

/** Returns the leftover durable sessions to resume, in created order. */
export async function reconcile(
  opened: OpenedStore,
  deps: ReconcileDeps,
): Promise<SessionSummary[]> {
  const { index, recorder, processes, hostId, ownsEverySession, sessionTypes, now } = deps;
  const { known, leftovers } = opened;
  await processes.sweepLeftovers();

  const endedAt = now();
  const closed = new Map<string, TerminalRecord>();
  const toResume: SessionSummary[] = [];
  for (const summary of leftovers) {
    const problem = unresumable(summary, sessionTypes);
    if (summary.durable && problem === undefined) {
      toResume.push(summary);
      continue;
    }
    closed.set(summary.sessionId, interrupted(summary, hostId, endedAt, problem));
  }
  const resuming = new Set(toResume.map((summary) => summary.sessionId));
  // Written: their ownership can go (cluster mode: the owner key; the id stays used).
  const close = async (record: TerminalRecord) => {
    await recorder.terminal(record);
    await opened.store.release(record.sessionId);
  };
  await Promise.all([...closed.values()].map(close));

  for (const summary of known) {
    if (resuming.has(summary.sessionId)) continue;
    const record = closed.get(summary.sessionId);
    const terminal = record && { type: 'terminal' as const, at: endedAt, ...record };
    index.addKnown(viewOfSummary(terminal ? { ...summary, terminal } : summary));
  }

  // Workspaces are local: only this host's ended sessions have theirs here.
  const settled = known.filter(
    (summary) =>
      (ownsEverySession || summary.host === hostId) &&
      (summary.terminal !== undefined || closed.has(summary.sessionId)),
  );
  const outcomes = (id: string): Outcome => index.view(id)?.outcome ?? 'interrupted';
  const workspaces = await settleWorkspaces(settled, outcomes, recorder.raw, now);
  for (const [id, workspace] of workspaces) index.change(id, { workspace });
  return toResume;
}
