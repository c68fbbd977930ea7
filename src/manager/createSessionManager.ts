/**
 * The session manager: many sessions side by side under one supervisor,
 * each outcome journaled exactly once, and a restarted host that reconciles
 * what was running when it died.
 *
 * ```ts
 * const manager = await createSessionManager({ journal: '.xstate-otp/journal.jsonl' });
 * const session = manager.createSession({
 *   id: 'fix-bug-42',
 *   autoShutdown: 'any_significant',
 *   children: [{ id: 'agent', logic: agentMachine, restart: 'transient', significant: true }],
 * });
 * manager.findSupervisor('fix-bug-42');   // the session's supervisor while it lives
 * await manager.send('fix-bug-42', 'agent', { type: 'review' });
 * const record = await session.done;      // { outcome: 'completed', ... }, on disk
 * await manager.stop();                   // live sessions end 'cancelled'
 * ```
 *
 * Durable sessions (`sessionTypes`, `createSession({ type, input })`) are
 * resumed instead of interrupted by the next manager on the same journal
 * (`resume.ts`), and `stop({ handOff: true })` leaves them to it rather than
 * cancelling them (docs/sessions.md).
 *
 * Sessions are temporary children of the manager's one_for_one supervisor:
 * never restarted; their outcome is recorded instead. `stop()` cancels every
 * live session at once, as a DynamicSupervisor shuts its children down
 * concurrently, and waits until each has written its terminal record.
 *
 * The manager assembles parts and holds none of a session's life:
 * - `root.ts`: the root supervisor, whose temporary children are the sessions;
 * - `store.ts`: the persistence seam (`journalStore.ts` for one host, the
 *   `xstate-otp/nats` entry for a cluster);
 * - `sessionIndex.ts`: the one index of sessions, with retention;
 * - `recorder.ts`: every record written, and the one failure state;
 * - `reconcile.ts`: start-up reconciliation;
 * - `admission.ts`: whether a session may start;
 * - `sessionLifecycle.ts`: one session from its checked spec to its terminal record;
 * - `termination.ts`: `terminateSession`;
 * - `routing.ts`: `send`, `locate` and remote termination
 *   (`remoteTermination.ts` waits for a remote session's end);
 * - `storeFeed.ts`: what the store reports (other hosts' sessions, fencing);
 * - `dashboardView.ts`: the read-only, guarded `dashboard`.
 */
import type { AnyActorRef } from 'xstate';
import { systemNow } from '../ground/clock.js';
import { checkSessionId } from '../ground/sessionId.js';
import { SHUTDOWN_EVENT } from '../ground/shutdown.js';
import {
  createFileJournal,
  createMemoryJournal,
  type Journal,
  type SessionSummary,
} from '../journal/index.js';
import { createRegistry } from '../registry/index.js';
import { viewOfSummary } from '../session/view.js';
import { defaultWorkspaceRoot, resolveWorkspaceRoot } from '../workspace/paths.js';
import { createAdmission } from './admission.js';
import { journalStore } from './journalStore.js';
import {
  type CheckedOptions,
  checkHistoryQuery,
  checkOptions,
  type SessionManagerOptions,
} from './options.js';
import { createProcessSweeper } from './processes.js';
import { reconcile } from './reconcile.js';
import { createRecorder } from './recorder.js';
import { resumeSessions } from './resume.js';
import { startRoot } from './root.js';
import { createRouting, localChild } from './routing.js';
import { createSessionIndex } from './sessionIndex.js';
import { cancelSession, startSession } from './sessionLifecycle.js';
import type { SessionManager } from './sessionManager.js';
import { followStore } from './storeFeed.js';
import { createTermination } from './termination.js';

export type { SessionManagerOptions } from './options.js';
export type { Session } from './sessionLifecycle.js';
export type { SessionManager } from './sessionManager.js';

function storeFactory(storage: CheckedOptions['storage']) {
  if ('cluster' in storage) return storage.cluster;
  const { journal } = storage;
  const opened: Journal =
    typeof journal === 'string' ? createFileJournal(journal) : (journal ?? createMemoryJournal());
  return journalStore(opened);
}

export async function createSessionManager(
  options: SessionManagerOptions = {},
): Promise<SessionManager> {
  const checked = checkOptions(options);
  const { hostId, maxSessions, timeoutMs, retainEnded } = checked;
  const registry = createRegistry();
  const root = startRoot({ registry, clock: options.clock, inspect: checked.inspect });
  const now = () => systemNow(root);
  const sessionTypes = Object.keys(checked.sessionTypes ?? {});
  const opened = await storeFactory(checked.storage)
    .open({ hostId, now, sessionTypes })
    .catch((error: unknown) => {
      root.stop();
      throw error;
    });
  const { store } = opened;
  const index = createSessionIndex({ retainEnded });
  const recorder = createRecorder({ store, now });
  const processes = createProcessSweeper(store);
  let workspaceRoot: string;
  let toResume: Awaited<ReturnType<typeof reconcile>>;
  try {
    workspaceRoot = resolveWorkspaceRoot(
      checked.workspaceRoot ?? `${defaultWorkspaceRoot()}/${store.scope}`,
    );
    const ownsEverySession = store.singleWriter;
    toResume = await reconcile(opened, {
      index,
      recorder,
      processes,
      hostId,
      ownsEverySession,
      sessionTypes: checked.sessionTypes,
      now,
    });
  } catch (error) {
    root.stop();
    await store.close();
    throw error;
  }

  const cancelLocal = (id: string, reason: string, handOff?: boolean) =>
    cancelSession(index, id, reason, handOff);
  const routing = createRouting({ store, index, cancelLocal });
  routing.serveRequests();
  const defaults = { timeoutMs, registry, workspaceRoot, sessionTypes: checked.sessionTypes };
  const deps = { root, registry, store, index, recorder, processes, now };
  const resume = (summaries: SessionSummary[]) =>
    resumeSessions(summaries, { defaults, session: deps, recorder });
  const unwatchStore = followStore(store, { index, processes, cancelLocal, resume });
  const admission = createAdmission({ index, recorder, maxSessions, defaults });
  // The dead run's durable sessions run again before this manager is handed out.
  await resume(toResume);

  let stopping: Promise<void> | undefined;
  const stop = (options?: { handOff?: boolean }): Promise<void> => {
    const handOff = options?.handOff === true;
    admission.close();
    stopping ??= (async () => {
      const handles = index.liveHandles();
      const handedOff = handles.map((handle) =>
        handOff && handle.durable ? handle.durable.handOff() : undefined,
      );
      for (const [i, { ref }] of handles.entries()) {
        if (!handedOff[i]) cancelLocal(ref.id, 'the session manager stopped');
      }
      await Promise.allSettled([...handedOff, ...handles.map((handle) => handle.done)]);
      await recorder.flushed();
      root.send({ type: SHUTDOWN_EVENT });
      unwatchStore();
      routing.close();
      processes.close();
      await store.close();
    })();
    return stopping;
  };

  return {
    createSession: (spec) => startSession(admission.admit(spec), deps),
    terminateSession: createTermination({ index, routing, store, cancelLocal }),
    send: routing.send,
    locate: routing.locate,
    findSupervisor: (id): AnyActorRef | undefined => {
      const session = index.live(id)?.ref;
      return session?.getSnapshot().status === 'active' ? session : undefined;
    },
    getChild: (id, childId) => localChild(index, id, childId),
    getSession: index.view,
    listSessions: index.list,
    records: async (sessionId) => store.records(checkSessionId(sessionId)),
    history: async (query) => (await store.history(checkHistoryQuery(query))).map(viewOfSummary),
    dashboard: index.dashboard,
    registry,
    hostId,
    maxSessions,
    timeoutMs,
    workspaceRoot,
    root,
    stop,
  };
}
