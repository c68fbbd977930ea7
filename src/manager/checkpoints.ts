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

export function createCheckpointer(deps: CheckpointerDeps): Checkpointer {
  return new SessionCheckpoints(deps);
}

/**
 * One child's slot: its latest active state since the last batch, and the
 * JSON of its last checkpoint. It is the observer XState notifies.
 */
class ChildSlot {
  /** The child's snapshot after its last macrostep (XState's own object, never changed in place). */
  readonly owner: SessionCheckpoints;
  readonly childId: string;
  ref: AnyActorRef;
  taken: Snapshot<unknown> | undefined = undefined;
  lastJson: string | undefined = undefined;

  // No parameter properties: the sources also run with Node's type stripping.
  constructor(owner: SessionCheckpoints, childId: string, ref: AnyActorRef) {
    this.owner = owner;
    this.childId = childId;
    this.ref = ref;
  }

  next(snapshot: Snapshot<unknown>): void {
    this.owner.take(this, snapshot);
  }

  error(): void {}
}

// A class, not closures: a live durable session keeps one of these and a
// slot per machine child, and the heap per session is a target.
class SessionCheckpoints implements Checkpointer {
  private readonly slots: ChildSlot[] = [];
  /** Slots holding a state that the next batch persists. */
  private dirty: ChildSlot[] = [];
  private flushing: Promise<void> | undefined = undefined;
  private frozen = false;
  /** A snapshot was not plain JSON: nothing more is written. */
  private refused = false;
  private failure: unknown = undefined;

  private readonly deps: CheckpointerDeps;

  constructor(deps: CheckpointerDeps) {
    this.deps = deps;
  }

  watch(childId: string, ref: AnyActorRef): void {
    let slot = this.slots.find((s) => s.childId === childId);
    if (slot) {
      slot.ref = ref;
    } else {
      slot = new ChildSlot(this, childId, ref);
      this.slots.push(slot);
    }
    this.take(slot, ref.getSnapshot());
    ref.subscribe(slot);
  }

  /**
   * Called by XState once per macrostep of the child: only a reference is
   * kept. Persisting, checking and serialising wait for the batch, so a
   * burst of events costs one checkpoint, not one per event.
   */
  take(slot: ChildSlot, snapshot: Snapshot<unknown>): void {
    if (this.frozen) return;
    // A live child's state is restored; so is a finished one's end: XState's
    // `start()` of an actor restored `done` runs its update at once, which
    // reports it done to its parent, and the supervisor treats that as the
    // normal exit it was (a transient or temporary child stays stopped). A
    // child that crashed or was stopped starts afresh.
    if (snapshot?.status !== 'active' && snapshot?.status !== 'done') return;
    if (slot.taken === undefined) this.dirty.push(slot);
    slot.taken = snapshot;
    if (this.flushing === undefined) {
      this.flushing = Promise.resolve().then(() => this.flush());
      this.flushing.catch(() => {});
    }
  }

  async durable(): Promise<void> {
    if (this.flushing) await this.flushing;
    // A refused snapshot is found when its batch is prepared.
    if (this.failure !== undefined) throw this.failure;
  }

  freeze(): void {
    this.frozen = true;
  }

  private async flush(): Promise<void> {
    try {
      while (this.dirty.length > 0) {
        const batch = this.dirty;
        this.dirty = [];
        const records: JournalRecord[] = [];
        for (const slot of batch) {
          const record = this.persist(slot);
          if (record) records.push(record);
        }
        if (this.refused) return;
        // Appended in one tick: the journal commits them as one batch.
        await Promise.all(records.map((record) => this.deps.recorder.raw(record)));
      }
    } catch (error) {
      this.failure ??= error;
      this.clearDirty();
      throw error;
    } finally {
      this.flushing = undefined;
    }
  }

  /** The checkpoint record of a slot's taken state, or undefined when there is none to write. */
  private persist(slot: ChildSlot): JournalRecord | undefined {
    const { childId, ref, taken } = slot;
    slot.taken = undefined;
    if (taken === undefined || this.refused) return undefined;
    let persisted: unknown;
    let problem: string | undefined;
    try {
      // The state of that macrostep, persisted as the actor would have then.
      persisted = (ref as AnyActor).logic.getPersistedSnapshot(taken);
      problem = plainJsonProblem(persisted, `child "${childId}"'s snapshot`);
    } catch (error) {
      problem = `child "${childId}"'s snapshot could not be taken (${errorMessage(error)})`;
    }
    if (problem !== undefined) {
      this.refuse(problem);
      return undefined;
    }
    const json = JSON.stringify(persisted);
    // An event that changed nothing writes nothing.
    if (slot.lastJson === json) return undefined;
    slot.lastJson = json;
    const { sessionId, now } = this.deps;
    return { type: 'checkpoint', sessionId, at: now(), childId, snapshot: persisted };
  }

  private refuse(problem: string): void {
    const { sessionId, fail } = this.deps;
    this.frozen = true;
    this.refused = true;
    this.clearDirty();
    const reason = `cannot checkpoint a durable session: ${problem}. Keep a durable machine's context plain JSON (ids instead of refs, ISO strings instead of Dates), or give the child resume: 'restart'.`;
    // A send waiting for this state learns that it will never be durable.
    this.failure ??= new SessionError('not_durable', `Session "${sessionId}" ${reason}`, {
      sessionId,
    });
    fail(reason);
  }

  private clearDirty(): void {
    for (const slot of this.dirty) slot.taken = undefined;
    this.dirty = [];
  }
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
