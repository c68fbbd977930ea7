/**
 * One session from `createSession` to its terminal record: start its actor
 * (the session's supervisor) under the manager's root supervisor, follow its
 * lifecycle, children and restarts into the index and the journal, and
 * settle `done` once the outcome is durable.
 *
 * ```ts
 * const session = startSession(checked, deps); // { id, ref, createdAt, done }
 * session.ref === registry.lookup(sessionSupervisorKey(session.id)); // one actor
 * ```
 *
 * The order of writes is the once-only guarantee: the session's id is
 * claimed first, then `created` is appended; `started` when it runs;
 * `restarts` whenever its restart count changes; at its end, whatever still carries its marker is killed, then `terminal` is
 * appended, and only then does `done` resolve. A session that lost its
 * ownership (cluster mode) writes nothing more: its `done` rejects with
 * `ClusterError('fenced')`.
 */

import type { AnyActorRef } from 'xstate';
import { definedFields } from '../ground/defined.js';
import { errorMessage } from '../ground/errorMessage.js';
import { ClusterError, SessionError } from '../ground/errors.js';
import { capReason } from '../ground/limits.js';
import type { TerminalRecord } from '../ground/outcome.js';
import type { Registry } from '../registry/index.js';
import { sessionSupervisorKey } from '../registry/index.js';
import { followSession } from '../session/lifecycle.js';
import { sessionMachine } from '../session/sessionMachine.js';
import type { SessionOutput } from '../session/types.js';
import type { SessionView } from '../session/view.js';
import { type ChildChangedEvent, startChild, whichChildren } from '../supervisor/index.js';
import {
  observeSessionChildren,
  publishSessionEnd,
  publishSessionResume,
  publishSessionStart,
  type SessionStartMessage,
  type TraceCarrier,
} from '../telemetry/index.js';
import { workspaceLocation } from '../workspace/lifecycle.js';
import type { WorkspaceEvent, WorkspaceRecorder } from '../workspace/types.js';
import { createCheckpointer, resumedChildren, resumePolicy } from './checkpoints.js';
import type { ProcessSweeper } from './processes.js';
import type { Recorder } from './recorder.js';
import type { LiveSession, SessionIndex } from './sessionIndex.js';
import type { CheckedSessionSpec } from './sessionSpec.js';
import type { SessionStore } from './store.js';

export interface Session {
  id: string;
  ref: AnyActorRef;
  createdAt: number;
  /** Resolves once the terminal record is durable in the journal. */
  done: Promise<TerminalRecord>;
}

/** A durable session's next attempt: what the journal kept of the ones before. */
export interface ResumeState {
  createdAt: number;
  /** The attempt that begins: 2 for the first resume. */
  attempt: number;
  restarts: number;
  /** The host of the attempt before. */
  from: string | undefined;
  /** Each machine child's last checkpoint. */
  checkpoints: ReadonlyMap<string, unknown>;
  /** The W3C trace context of the attempt before, when it was traced (its span, to link to). */
  traceContext?: TraceCarrier;
  /**
   * The journal says an attempt before created the session's workspace (at
   * the place this attempt plans it) and nothing settled it: this attempt
   * reuses it if it is still there.
   */
  reuseWorkspace?: boolean;
}

export interface SessionDeps {
  root: AnyActorRef;
  registry: Registry;
  store: SessionStore;
  index: SessionIndex;
  recorder: Recorder;
  processes: ProcessSweeper;
  now(): number;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failure is reported through the promise, never as an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** A refused claim is the one error that means "this session never existed". */
function isRefusedClaim(error: unknown): boolean {
  return error instanceof SessionError && error.code === 'duplicate_id';
}

export function startSession(
  checked: CheckedSessionSpec,
  deps: SessionDeps,
  resume?: ResumeState,
): Session {
  const { root, registry, store, index, recorder, processes, now } = deps;
  const { id, metadata, workspace: workspacePlan, durable } = checked;
  const createdAt = resume?.createdAt ?? now();
  const attempt = resume?.attempt ?? 1;
  const done = deferred<TerminalRecord>();

  // Published first, so that the trace context a subscriber gives the
  // attempt (its span's) is journaled with it: the next attempt links to it.
  if (resume) publishSessionResume(id, store.hostId, attempt, resume.from, resume.traceContext);
  const traceContext = tracedBy(
    publishSessionStart(id, store.hostId, createdAt, attempt, durable?.type),
  );
  const created = () =>
    resume
      ? recorder.raw({
          type: 'resumed',
          sessionId: id,
          at: now(),
          attempt,
          host: store.hostId,
          ...definedFields({ from: resume.from, traceContext }),
        })
      : recorder.created({
          sessionId: id,
          at: createdAt,
          metadata,
          spec: {
            children: checked.supervisor.children.map((child) => child.id),
            ...definedFields({ workspace: workspacePlan?.kind }),
          },
          ...definedFields({
            durable: durable && {
              ...durable,
              ...definedFields({ timeoutMs: checked.timeoutMs }),
            },
            // Only a durable session has a next attempt to link to it.
            traceContext: durable && traceContext,
          }),
        });
  const claimed = { createdAt, ...definedFields({ type: durable?.type }) };
  /** Several hosts: the store decides the claim before anything starts (see below). */
  let claim: (() => Promise<void>) | undefined;
  if (resume) {
    // This host's already: the store took it over.
    created().catch(() => {});
  } else if (store.singleWriter) {
    // One writer (a locked journal): the index has already decided the claim.
    store.claim(id, claimed).catch(() => {});
    created().catch(() => {});
  } else {
    claim = async () => {
      await store.claim(id, claimed);
      const recorded = created();
      // A durable session runs once `created` is stored: until then no
      // survivor could resume it (its type and input are in that record).
      if (durable) await recorded;
      else recorded.catch(() => {});
    };
  }

  let ref: AnyActorRef;
  try {
    ref = startChild(root, {
      id,
      logic: sessionMachine,
      restart: 'temporary',
      // A session bounds its own shutdown by its children's grace.
      shutdown: 'infinity',
      input: {
        id,
        createdAt,
        timeoutMs: checked.timeoutMs,
        restarts: resume?.restarts,
        claim,
        workspace: workspacePlan && {
          plan: workspacePlan,
          record: workspaceRecorder(id, index, recorder),
          beforeRelease: () => processes.sweepSession(id),
          reuse: resume?.reuseWorkspace,
        },
        supervisor: {
          ...checked.supervisor,
          children: resume
            ? resumedChildren(checked.supervisor.children, resume.checkpoints)
            : checked.supervisor.children,
          registry,
          registerAs: sessionSupervisorKey(id),
          environment: processes.environmentOf(id),
        },
      },
    });
  } catch (error) {
    publishSessionEnd(neverRan(id, createdAt, error), store.hostId, attempt);
    throw error;
  }
  const checkpoints =
    durable &&
    createCheckpointer({
      sessionId: id,
      recorder,
      now,
      fail: (reason) => ref.send({ type: 'session.fail', reason }),
    });
  if (checkpoints) {
    // An array, not a map: a session has a few children, and it lives as long as the session.
    const snapshotted = checked.supervisor.children
      .filter((child) => resumePolicy(child) === 'snapshot')
      .map((child) => child.id);
    const watch = (childId: string, child: AnyActorRef | undefined) => {
      if (child && snapshotted.includes(childId)) checkpoints.watch(childId, child);
    };
    for (const child of whichChildren(ref)) watch(child.id, child.ref);
    ref.on('child.changed', (event: ChildChangedEvent) => {
      if (event.status === 'running') watch(event.id, event.ref);
    });
  }
  // Its initial children have started by now (they start as the session
  // starts): they are reported first, then every change.
  observeSessionChildren(ref, id, store.hostId, whichChildren(ref));
  const handle: LiveSession = {
    ref,
    done: done.promise,
    ...(checkpoints && {
      durable: {
        checkpointed: async () => {
          await checkpoints.durable();
          // An event that ended the session (a significant child reached its
          // final state) leaves no child state to checkpoint: its effect is
          // the session's end, durable only with the terminal record.
          const snapshot = ref.getSnapshot();
          if (snapshot.status !== 'active' || snapshot.hasTag('stopping')) await done.promise;
        },
        handOff: async () => {
          // Its last state goes to disk first; then it stops, and nothing more is written.
          await checkpoints.durable().catch(() => {});
          checkpoints.freeze();
          // A hand-off: the session goes past releasing its workspace, which its next attempt reuses.
          ref.send({ type: 'session.cancel', reason: 'handed off', handOff: true });
          await done.promise.catch(() => {});
        },
      },
    }),
  };
  index.addLive(
    {
      id,
      state: 'starting',
      host: store.hostId,
      createdAt,
      restarts: resume?.restarts ?? 0,
      ...definedFields({ attempt: durable && attempt }),
      children: checked.supervisor.children.map((child) => ({ id: child.id, status: 'stopped' })),
      ...definedFields({ metadata }),
    },
    handle,
  );

  const finish = (output: SessionOutput, children?: SessionView['children']) => {
    if (index.live(id) !== handle) return;
    checkpoints?.freeze();
    const fenced = index.isFenced(id);
    // Decided by the hand-off itself: a session that was ending anyway records its end.
    if (output.handedOff && !fenced) {
      // Released for the next run to resume: no terminal record; its processes die here.
      publishSessionEnd(
        { ...neverRan(id, createdAt, 'handed off', output.endedAt), outcome: 'interrupted' },
        store.hostId,
        attempt,
      );
      index.detach(id);
      processes.sweepSession(id).then(
        () => done.reject(handedOffError(id)),
        () => done.reject(handedOffError(id)),
      );
      return;
    }
    const record: TerminalRecord = {
      sessionId: id,
      outcome: output.outcome,
      // Capped here, where every outcome's reason passes: journal, view and `done` alike.
      ...definedFields({
        reason: output.reason === undefined ? undefined : capReason(output.reason),
      }),
      createdAt,
      endedAt: output.endedAt,
      restarts: output.restarts,
      host: store.hostId,
      ...definedFields({ metadata, attempts: durable && attempt }),
    };
    publishSessionEnd(
      fenced ? { ...record, outcome: 'interrupted' } : record,
      store.hostId,
      attempt,
    );
    if (fenced) {
      // The outcome is the new owner's to write; storage's feed reports it.
      index.detach(id);
      done.reject(fencedError(id));
      return;
    }
    index.end(id, {
      ...definedFields({ children }),
      state: record.outcome,
      outcome: record.outcome,
      endedAt: record.endedAt,
      restarts: record.restarts,
      ...definedFields({ reason: record.reason }),
    });
    // Anything still carrying the session's marker escaped its process tree
    // (a setsid daemon): it dies before the outcome is final.
    // Checkpoints taken before the end go out first: the terminal record is the session's last.
    Promise.all([processes.sweepSession(id), checkpoints?.durable().catch(() => {})])
      .then(() => recorder.terminal(record))
      .then(() => store.release(id))
      .then(
        () => {
          index.settled(id);
          done.resolve(record);
        },
        (error: unknown) => {
          index.settled(id);
          const fenced = index.isFenced(id);
          if (!fenced) index.change(id, { unrecorded: errorMessage(error) });
          done.reject(fenced ? fencedError(id) : error);
        },
      );
  };

  let restarts = resume?.restarts ?? 0;
  followSession(ref, {
    changed: ({ state, children, restarts: total }) => {
      // A stopping session's children's last states are not what a resume wants.
      if (state === 'stopping') checkpoints?.freeze();
      if (index.live(id) !== handle) return;
      const patch: Partial<SessionView> = {};
      if (state !== undefined) patch.state = state;
      if (children !== undefined) patch.children = children;
      if (total !== undefined) patch.restarts = total;
      if (state === 'running') {
        patch.startedAt = now();
        recorder.started(id, patch.startedAt).catch(() => {});
      }
      index.change(id, patch);
      if (total === undefined || total === restarts) return;
      restarts = total;
      // So that an interrupted session still shows how often it restarted.
      recorder.restarts(id, total).catch(() => {});
    },
    ended: (output, { children }) => finish(output, children),
    crashed: (error) => {
      if (isRefusedClaim(error) || error instanceof ClusterError) {
        // Never existed: nothing was written under this id, nothing is shown.
        index.forget(id);
        publishSessionEnd(neverRan(id, createdAt, error, now()), store.hostId, attempt);
        done.reject(error);
        return;
      }
      finish({ outcome: 'failed', reason: errorMessage(error), restarts, endedAt: now() });
    },
  });

  return { id, ref, createdAt, done: done.promise };
}

/** The trace context a `session:start` subscriber wrote, if any. */
function tracedBy(started: SessionStartMessage | undefined): TraceCarrier | undefined {
  return started && Object.keys(started.traceContext).length > 0
    ? { ...started.traceContext }
    : undefined;
}

/** The end of an attempt that never ran (it could not start, or its claim was refused). */
function neverRan(
  sessionId: string,
  createdAt: number,
  error: unknown,
  endedAt = createdAt,
): TerminalRecord {
  return {
    sessionId,
    outcome: 'failed',
    reason: errorMessage(error),
    createdAt,
    endedAt,
    restarts: 0,
  };
}

/**
 * Asks a session of this host to end `cancelled`; its `done`, or undefined
 * when no such session runs here. `handOff`: it stops to go on elsewhere (a
 * fenced host's copy), so it leaves its workspace as it is.
 */
export function cancelSession(
  index: SessionIndex,
  id: string,
  reason: string,
  handOff = false,
): Promise<TerminalRecord> | undefined {
  const handle = index.live(id);
  if (!handle) return undefined;
  handle.ref.send({ type: 'session.cancel', reason, ...(handOff ? { handOff } : {}) });
  return handle.done;
}

function handedOffError(sessionId: string): SessionError {
  return new SessionError(
    'stopped',
    `Session "${sessionId}" was handed off (stop({ handOff: true })): its last state is checkpointed, and the next run of a manager on this journal (in cluster mode, a live host with its type) resumes it.`,
    { sessionId },
  );
}

function fencedError(sessionId: string): ClusterError {
  return new ClusterError(
    'fenced',
    `Session "${sessionId}" was taken over by another host after this host lost its lease; nothing more was recorded here.`,
    { sessionId },
  );
}

/** Journals a session's workspace events and shows them in its view. */
function workspaceRecorder(id: string, index: SessionIndex, recorder: Recorder): WorkspaceRecorder {
  return (event: WorkspaceEvent) => {
    const location = workspaceLocation(event.workspace);
    switch (event.status) {
      case 'ready':
        index.change(id, { workspace: location });
        // A new one is not journaled (`creating` already is, and the end will
        // be); one a resumed attempt took over is, to say which attempt did.
        return event.reused ? recorder.workspace(event) : Promise.resolve();
      case 'kept':
      case 'removed':
        index.change(id, { workspace: { ...location, kept: event.status === 'kept' } });
        break;
      case 'rolled_back':
        index.change(id, { workspace: undefined });
        break;
      default:
        break;
    }
    return recorder.workspace(event);
  };
}
