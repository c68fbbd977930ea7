/**
 * Resuming a dead run's durable sessions, on the next `createSessionManager`
 * over the same journal (after its leftover processes are killed, before it
 * resolves).
 *
 * ```ts
 * // toResume: what `reconcile` returned (durable leftovers of known types)
 * await resumeSessions(toResume, { defaults, session: deps, recorder });
 * ```
 *
 * Each session is rebuilt by its type from its JSON input, then started
 * again as the same session: same id, `createdAt` (so the same absolute
 * deadline), restart count and metadata; attempt + 1, noted by a `resumed`
 * record. Its children are created per their `resume` policy (see
 * `checkpoints.ts`). A session that cannot resume (a child with
 * `resume: 'never'`, a type function or a `resumeInput` that throws) ends
 * `interrupted`, the reason saying why, and its workspace is settled as
 * reconciliation settles an interrupted session's (`reconcileWorkspaces.ts`).
 *
 * Its workspace: when the journal says an earlier attempt created it and
 * nothing settled it since, and this attempt plans it at the same place,
 * the attempt reuses it if it is still there (`src/workspace/reuse.ts`). An
 * unsettled workspace the attempt no longer plans (another root, repo or
 * kind) is recorded `kept`, and left as it is.
 */
import { errorMessage } from '../ground/errorMessage.js';
import type { SessionSummary } from '../journal/index.js';
import { isRecordOfType } from '../journal/journal.js';
import { samePlace, toWorkspaceRecord, unsettledPlan } from '../workspace/journalRecord.js';
import { resumePolicy } from './checkpoints.js';
import { interrupted } from './reconcile.js';
import { settleWorkspaces } from './reconcileWorkspaces.js';
import type { Recorder } from './recorder.js';
import { type SessionDeps, startSession } from './sessionLifecycle.js';
import { type CheckedSessionSpec, checkSessionSpec, type SpecDefaults } from './sessionSpec.js';

export interface ResumeDeps {
  defaults: SpecDefaults;
  session: SessionDeps;
  recorder: Recorder;
}

export async function resumeSessions(
  summaries: readonly SessionSummary[],
  { defaults, session, recorder }: ResumeDeps,
): Promise<void> {
  const { store, index, now } = session;
  const ends: Promise<void>[] = [];
  const givenUp: SessionSummary[] = [];
  const giveUp = (summary: SessionSummary, why: string) => {
    givenUp.push(summary);
    const reason = `the host stopped before the session ended, and it cannot resume: ${why}`;
    const record = interrupted(summary, store.hostId, now(), reason);
    index.addKnown({
      id: record.sessionId,
      state: 'interrupted',
      outcome: 'interrupted',
      reason,
      host: record.host ?? store.hostId,
      createdAt: record.createdAt,
      endedAt: record.endedAt,
      restarts: record.restarts,
      ...(record.attempts === undefined ? {} : { attempt: record.attempts }),
      ...(record.metadata === undefined ? {} : { metadata: record.metadata }),
      children: [],
    });
    ends.push(recorder.terminal(record).then(() => store.release(record.sessionId)));
  };

  const records = await Promise.all(summaries.map((summary) => store.records(summary.sessionId)));
  summaries.forEach((summary, i) => {
    const { sessionId, durable } = summary;
    if (durable === undefined) {
      // Taken over between its claim and its `created` record (cluster mode).
      giveUp(summary, 'its host died before its created record was written');
      return;
    }
    let checked: CheckedSessionSpec;
    try {
      checked = checkSessionSpec(
        {
          id: sessionId,
          type: durable.type,
          input: durable.input,
          ...(durable.timeoutMs === undefined ? {} : { timeoutMs: durable.timeoutMs }),
          ...(summary.metadata === undefined ? {} : { metadata: summary.metadata }),
        },
        // Its own timeout, as first created, or none: never this manager's default.
        { ...defaults, timeoutMs: undefined },
      );
    } catch (error) {
      giveUp(summary, errorMessage(error));
      return;
    }
    const never = checked.supervisor.children.find((child) => resumePolicy(child) === 'never');
    if (never) {
      giveUp(summary, `its child "${never.id}" has resume: 'never'`);
      return;
    }
    // The last checkpoint of each child wins.
    const checkpoints = new Map<string, unknown>();
    for (const record of records[i]!) {
      if (isRecordOfType(record, 'checkpoint')) checkpoints.set(record.childId, record.snapshot);
    }
    const previous = unsettledPlan(summary.workspace);
    const reuseWorkspace =
      previous !== undefined &&
      checked.workspace !== undefined &&
      samePlace(previous, checked.workspace);
    if (previous && !reuseWorkspace) {
      // Settled here, before this attempt's own workspace records, so that nothing removes it later.
      const error = `left alone: the attempt resumed on ${store.hostId} plans its workspace ${checked.workspace ? `at ${checked.workspace.path}` : 'no more'}`;
      recorder
        .raw(toWorkspaceRecord({ status: 'kept', workspace: previous, error }, now()))
        .catch(() => {});
    }
    try {
      startSession(checked, session, {
        createdAt: summary.createdAt,
        attempt: (summary.attempts ?? 1) + 1,
        restarts: summary.restarts ?? 0,
        from: summary.host,
        checkpoints,
        ...(summary.traceContext === undefined ? {} : { traceContext: summary.traceContext }),
        reuseWorkspace,
      });
    } catch (error) {
      // A workspace just recorded as left alone stays so.
      const { workspace: _, ...unplaced } = summary;
      giveUp(previous && !reuseWorkspace ? unplaced : summary, errorMessage(error));
    }
  });
  await Promise.all(ends);
  // As reconciliation does for an interrupted session: only a workspace of this host is here.
  const local = givenUp.filter((summary) => store.singleWriter || summary.host === store.hostId);
  const workspaces = await settleWorkspaces(local, () => 'interrupted', recorder.raw, now);
  for (const [id, workspace] of workspaces) index.change(id, { workspace });
}
