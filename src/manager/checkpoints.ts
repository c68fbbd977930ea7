/**
 * Checkpoints of a durable session: each machine child's persisted snapshot,
 * journaled whenever a macrostep changed it, so that the session's next
 * attempt (after a crash or a hand-off) restores its children from there.
 *
 * ```ts
 * const checkpoints = createCheckpointer({ sessionId, recorder, now, fail });
 * checkpoints.watch('agent', agentRef);  // checkpoints its state now and after every change
 * agentRef.send({ type: 'APPROVE' });    // XState notifies observers at the end of the macrostep
 * await checkpoints.durable();           // the state APPROVE produced is on disk
 * ```
 *
 * - **When**: XState notifies a child's observers once per macrostep, with
 *   its new snapshot (an object XState never changes afterwards); the
 *   checkpointer keeps that snapshot in one slot per child, the latest wins.
 *   When the batch goes out it persists each slot's snapshot (the machine's
 *   `getPersistedSnapshot`), so a burst of events that no one awaits costs
 *   one persisted snapshot, not one per event. A snapshot whose JSON equals
 *   the child's last checkpoint (an event that changed nothing) writes nothing.
 * - **Coalesced, group-committed**: a batch goes out one microtask after its
 *   first snapshot; while a batch is being written, newer snapshots wait for
 *   the next one. The journal commits each batch with whatever else was
 *   appended meanwhile (one `write` + `fdatasync` for the file journal).
 * - **Plain JSON only**: a snapshot that JSON would change (a Date, a class
 *   instance, an actor ref in context) could not be restored as it was. It
 *   is refused when its batch is prepared: `fail(reason)` ends the session
 *   `failed`, a send waiting for it rejects (`not_durable`), and the host
 *   runs on.
 * - `freeze()` stops taking snapshots (the session is stopping: its
 *   children's last states while shutting down are not what a resume wants);
 *   what was taken before still goes out.
 */
import { type AnyActor, type AnyActorRef, type Snapshot, StateMachine } from 'xstate';
import { errorMessage } from '../ground/errorMessage.js';
import { SessionError } from '../ground/errors.js';
import { type JournalRecord, plainJsonProblem } from '../journal/index.js';
import { processMachine } from '../process/fromProcess.js';
import {
  type ResolvedChildSpec,
  type ResumeLast,
  type ResumePolicy,
  supervises,
} from '../supervisor/index.js';
import type { Recorder } from './recorder.js';

export interface Checkpointer {
  /** Checkpoints the child's state now and after every macrostep that changes it. */
  watch(childId: string, ref: AnyActorRef): void;
  /** Resolves once every snapshot taken so far is durable; rejects when one could not be written. */
  durable(): Promise<void>;
  /** Takes no more snapshots; those already taken are still written. */
  freeze(): void;
}

export interface CheckpointerDeps {
  sessionId: string;
  recorder: Recorder;
  now(): number;
  /** The session cannot be checkpointed (a snapshot that is not plain JSON): end it `failed`. */
  fail(reason: string): void;
}

/** How a durable session's next attempt creates this child: its own `resume`, else by its logic. */
export function resumePolicy(spec: ResolvedChildSpec): ResumePolicy {
  if (spec.resume !== undefined) return spec.resume;
  // A process cannot be snapshotted (it is a machine around an OS process);
  // a supervisor's snapshot holds its children's refs: both restart.
  const isMachine = spec.logic instanceof StateMachine && spec.logic !== processMachine;
  return isMachine && !supervises(spec.logic) ? 'snapshot' : 'restart';
}

export function createCheckpointer({
  sessionId,
  recorder,
  now,
  fail,
}: CheckpointerDeps): Checkpointer {
  const lastJson = new Map<string, string>();
  /** Per child, its latest active state since the last batch: persisted when the batch goes out. */
  const pending = new Map<string, Taken>();
  let flushing: Promise<void> | undefined;
  let frozen = false;
  let failure: unknown;

  /** The checkpoint record of a taken state, or undefined when it is the last one again. */
  const persist = (childId: string, { ref, snapshot }: Taken): JournalRecord | undefined => {
    let persisted: unknown;
    let problem: string | undefined;
    try {
      // The snapshot of that macrostep, persisted as the actor would have then.
      persisted = (ref as AnyActor).logic.getPersistedSnapshot(snapshot);
      problem = plainJsonProblem(persisted, `child "${childId}"'s snapshot`);
    } catch (error) {
      problem = `child "${childId}"'s snapshot could not be taken (${errorMessage(error)})`;
    }
    if (problem !== undefined) {
      refuse(problem);
      return undefined;
    }
    const json = JSON.stringify(persisted);
    if (lastJson.get(childId) === json) return undefined;
    lastJson.set(childId, json);
    return { type: 'checkpoint', sessionId, at: now(), childId, snapshot: persisted };
  };

  const refuse = (problem: string) => {
    frozen = true;
    pending.clear();
    const reason = `cannot checkpoint a durable session: ${problem}. Keep a durable machine's context plain JSON (ids instead of refs, ISO strings instead of Dates), or give the child resume: 'restart'.`;
    // A send waiting for this state learns that it will never be durable.
    failure ??= new SessionError('not_durable', `Session "${sessionId}" ${reason}`, {
      sessionId,
    });
    fail(reason);
  };

  const flush = async (): Promise<void> => {
    try {
      while (pending.size > 0) {
        const records: JournalRecord[] = [];
        for (const [childId, taken] of pending) {
          const record = persist(childId, taken);
          if (record) records.push(record);
        }
        pending.clear();
        // Appended in one tick: the journal commits them as one batch.
        await Promise.all(records.map((record) => recorder.raw(record)));
      }
    } catch (error) {
      failure ??= error;
      pending.clear();
      throw error;
    } finally {
      flushing = undefined;
    }
  };

  // Called by XState once per macrostep of the child: only a reference is
  // kept here. Persisting, checking and serialising wait for the batch, so
  // a burst of events costs one checkpoint, not one per event.
  const take = (childId: string, ref: AnyActorRef, snapshot: Snapshot<unknown>) => {
    if (frozen) return;
    // Only a live child's state is worth restoring; a stopped one starts afresh.
    if (snapshot?.status !== 'active') return;
    pending.set(childId, { ref, snapshot });
    if (flushing === undefined) {
      flushing = Promise.resolve().then(flush);
      flushing.catch(() => {});
    }
  };

  return {
    watch(childId, ref) {
      take(childId, ref, ref.getSnapshot());
      ref.subscribe({ next: (snapshot) => take(childId, ref, snapshot), error: () => {} });
    },
    async durable() {
      if (flushing) await flushing;
      // A refused snapshot is found when its batch is prepared.
      if (failure !== undefined) throw failure;
    },
    freeze() {
      frozen = true;
    },
  };
}

interface Taken {
  ref: AnyActorRef;
  /** The child's snapshot after the macrostep (XState's own object, never changed in place). */
  snapshot: Snapshot<unknown>;
}

/**
 * The children of a resumed attempt: `'snapshot'` children restored from
 * their last checkpoint (on their first start only), `'restart'` children
 * given `resumeInput(last)` when they have one. Throws what `resumeInput` throws.
 */
export function resumedChildren(
  children: readonly ResolvedChildSpec[],
  checkpoints: ReadonlyMap<string, unknown>,
): ResolvedChildSpec[] {
  const contexts: Record<string, unknown> = {};
  for (const [childId, snapshot] of checkpoints) {
    contexts[childId] = (snapshot as { context?: unknown } | null)?.context;
  }
  return children.map((child) => {
    const policy = resumePolicy(child);
    const snapshot = checkpoints.get(child.id);
    if (policy === 'snapshot' && snapshot !== undefined) {
      return { ...child, restoreOnce: { snapshot } };
    }
    if (policy === 'restart' && child.resumeInput) {
      const last: ResumeLast = { input: child.input, contexts };
      return { ...child, input: child.resumeInput(last) };
    }
    return child;
  });
}
