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
 * Sessions are temporary children of the manager's one_for_one supervisor:
 * never restarted; their outcome is recorded instead. `stop()` cancels every
 * live session at once, as a DynamicSupervisor shuts its children down
 * concurrently, and waits until each has written its terminal record.
 *
 * The manager is assembled from parts, each in its own module:
 * - `store.ts`: the persistence seam (`journalStore.ts` for one host, the
 *   `xstate-otp/nats` entry for a cluster);
 * - `sessionIndex.ts`: the one index of sessions, with retention;
 * - `recorder.ts`: every record written;
 * - `reconcile.ts`: start-up reconciliation;
 * - `sessionLifecycle.ts`: one session from creation to its terminal record;
 * - `routing.ts`: `send`, `locate` and remote termination
 *   (`remoteTermination.ts` waits for a remote session's end);
 * - `dashboardView.ts`: the read-only, guarded `dashboard`.
 */
import { type AnyActorRef, createActor } from 'xstate';
import { systemNow } from '../ground/clock.js';
import { definedFields } from '../ground/defined.js';
import { JournalError, SessionError, SupervisorError } from '../ground/errors.js';
import { type TerminalRecord, terminalRecordOf } from '../ground/outcome.js';
import { shown } from '../ground/shown.js';
import { SHUTDOWN_EVENT } from '../ground/shutdown.js';
import {
  createFileJournal,
  createMemoryJournal,
  type Journal,
  type JournalRecord,
} from '../journal/index.js';
import { createRegistry, type Registry, sessionSupervisorKey } from '../registry/index.js';
import type { SessionView } from '../session/view.js';
import { viewOfSummary } from '../session/view.js';
import { createSupervisor, whichChildren } from '../supervisor/index.js';
import { observeSessionChildren } from '../telemetry/index.js';
import { defaultWorkspaceRoot, resolveWorkspaceRoot } from '../workspace/paths.js';
import { planWorkspace } from '../workspace/spec.js';
import type { Dashboard } from './dashboardView.js';
import { journalStore } from './journalStore.js';
import { checkHistoryQuery, checkOptions, type SessionManagerOptions } from './options.js';
import { createProcessSweeper } from './processes.js';
import { reconcile } from './reconcile.js';
import { createRecorder } from './recorder.js';
import { createRouting, localChild } from './routing.js';
import { createSessionIndex } from './sessionIndex.js';
import { type Session, startSession } from './sessionLifecycle.js';
import { checkSessionId, checkSessionSpec, type SessionSpec } from './sessionSpec.js';
import type { SessionStore } from './store.js';

export type { SessionManagerOptions } from './options.js';
export type { Session } from './sessionLifecycle.js';

export interface SessionManager {
  /** Starts a session; throws for bad input, a used id, or a manager that cannot record it. */
  createSession(spec: SessionSpec): Session;
  /** Cancels a live session (here or on its owner host); an ended one returns its record. */
  terminateSession(id: string, reason?: string): Promise<TerminalRecord>;
  /** Delivers an event to a session's child, wherever the session runs. */
  send(sessionId: string, childId: string, event: { type: string }): Promise<void>;
  /** Who owns a live session; `undefined` when none does. */
  locate(sessionId: string): Promise<{ hostId: string; local: boolean } | undefined>;
  /** The supervisor of a session of this host (registry key `session_supervisor:<id>`). */
  findSupervisor(id: string): AnyActorRef | undefined;
  getChild(id: string, childId: string): AnyActorRef | undefined;
  getSession(id: string): SessionView | undefined;
  /** Live sessions and the newest `retainEnded` ended ones, in created order. */
  listSessions(): SessionView[];
  /** Every journal record of one session, oldest first (read back from storage). */
  records(sessionId: string): Promise<JournalRecord[]>;
  /** Ended sessions read back from the journal, newest end first. */
  history(query?: { limit?: number; before?: number }): Promise<SessionView[]>;
  readonly dashboard: Dashboard;
  readonly registry: Registry;
  readonly hostId: string;
  readonly maxSessions: number;
  readonly timeoutMs: number | undefined;
  /** Absolute path under which session workspaces are created. */
  readonly workspaceRoot: string;
  /** The manager's own supervisor, the root of the actor system. */
  readonly root: AnyActorRef;
  stop(): Promise<void>;
}

function storeFactory(storage: ReturnType<typeof checkOptions>['storage']) {
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
  const root = createActor(createSupervisor({ strategy: 'one_for_one', registry }), {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(checked.inspect ? { inspect: checked.inspect } : {}),
  });
  // The root never fails (its children are temporary), but an error here
  // must never reach the host as an unhandled one.
  root.subscribe({ error: () => {} });
  root.start();
  const now = () => systemNow(root);

  let opened: Awaited<ReturnType<ReturnType<typeof storeFactory>['open']>>;
  try {
    opened = await storeFactory(checked.storage).open({ hostId, now });
  } catch (error) {
    root.stop();
    throw error;
  }
  const store: SessionStore = opened.store;
  let failure: JournalError | undefined;
  const index = createSessionIndex({ retainEnded });
  const recorder = createRecorder({ store, now, failed: (error) => (failure = error) });
  const processes = createProcessSweeper(store.scope);
  let workspaceRoot: string;
  try {
    workspaceRoot = resolveWorkspaceRoot(
      checked.workspaceRoot ?? `${defaultWorkspaceRoot()}/${store.scope}`,
    );
    await reconcile(opened, {
      index,
      recorder,
      processes,
      hostId,
      ownsEverySession: store.singleWriter,
      now,
    });
  } catch (error) {
    root.stop();
    await store.close();
    throw error;
  }

  // Each session's supervisor registers itself before it starts its
  // children, so this sees every child status change from the first.
  const prefix = sessionSupervisorKey('');
  const unwatchRegistry = registry.subscribe((change) => {
    if (change.type !== 'register' || !change.key.startsWith(prefix)) return;
    const id = change.key.slice(prefix.length);
    const handle = index.live(id);
    if (!handle) return;
    const supervisor = change.ref;
    handle.supervisor = supervisor;
    observeSessionChildren(supervisor, id, hostId);
    let restarts = 0;
    supervisor.on('child.changed', (event: { totalRestarts?: number }) => {
      if (index.live(id) !== handle) return;
      const children = whichChildren(supervisor).map((child) => ({
        id: child.id,
        status: child.status,
      }));
      const total = event.totalRestarts ?? restarts;
      index.change(id, { restarts: total, children });
      if (total !== restarts) {
        restarts = total;
        recorder.restarts(id, total).catch(() => {});
      }
    });
  });

  const cancelLocal = (id: string, reason: string) => {
    const handle = index.live(id);
    if (!handle) return undefined;
    handle.ref.send({ type: 'session.cancel', reason });
    return handle.done;
  };
  const routing = createRouting({ store, index, cancelLocal });
  routing.serveRequests();
  const unwatchStore = store.watch((event) => {
    if (event.type === 'session') {
      // Sessions running here are shown from their actors, not from the feed;
      // any other (another host's, or one of ours another host ended) from it.
      const id = event.summary.sessionId;
      if (!index.live(id) && !index.settling(id)) index.addKnown(viewOfSummary(event.summary));
      return;
    }
    const ids = event.sessionIds ?? index.liveHandles().map((handle) => handle.ref.id);
    for (const id of ids) {
      const handle = index.live(id);
      if (!handle || handle.fenced) continue;
      handle.fenced = true;
      void processes.sweepSession(id);
      cancelLocal(id, `fenced: ${event.reason}`);
    }
  });

  let stopping: Promise<void> | undefined;

  const createSession = (spec: SessionSpec): Session => {
    if (stopping) {
      throw new SessionError(
        'stopped',
        'The session manager has been stopped; create a new one to start sessions.',
      );
    }
    if (failure) {
      throw new JournalError(
        'io',
        `The journal could not be written (${failure.message}); this manager accepts no more sessions. Fix the storage, then stop() it and create a new manager.`,
        { cause: failure, ...definedFields({ path: failure.path }) },
      );
    }
    const spec_ = checkSessionSpec(spec, timeoutMs, registry);
    const { id } = spec_;
    const workspacePlan = spec_.workspace && planWorkspace(spec_.workspace, workspaceRoot, id);
    if (index.isUsed(id)) {
      throw new SessionError(
        'duplicate_id',
        `A session "${id}" already exists${index.live(id) ? '' : ' in the journal'}; session ids are never reused.`,
        { sessionId: id },
      );
    }
    if (index.liveCount >= maxSessions) {
      throw new SupervisorError(
        'max_children',
        `The manager already runs its maximum of ${maxSessions} sessions.`,
      );
    }
    return startSession(spec_, workspacePlan, {
      root,
      registry,
      store,
      index,
      recorder,
      processes,
      now,
    });
  };

  const terminateSession = async (id: string, reason?: string): Promise<TerminalRecord> => {
    checkSessionId(id);
    if (reason !== undefined && typeof reason !== 'string') {
      throw new SessionError(
        'invalid_option',
        `terminateSession: reason must be a string; got ${shown(reason)}.`,
        { sessionId: id },
      );
    }
    const done = cancelLocal(id, reason ?? 'terminated') ?? index.settling(id)?.done;
    if (done) return done;
    const view = index.view(id);
    if (view?.outcome !== undefined) return terminalOfView(view);
    const remote = await routing.terminateRemote(id, reason ?? 'terminated');
    if (remote) return remote;
    const summary = await store.read(id);
    if (summary?.terminal) return terminalRecordOf(summary.terminal);
    throw new SessionError('not_found', `No session "${id}".`, { sessionId: id });
  };

  const findSupervisor = (id: string): AnyActorRef | undefined => {
    const supervisor = index.live(id)?.supervisor;
    return supervisor?.getSnapshot().status === 'active' ? supervisor : undefined;
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const handles = index.liveHandles();
      for (const handle of handles) {
        if (index.live(handle.ref.id) === handle) {
          handle.ref.send({ type: 'session.cancel', reason: 'the session manager stopped' });
        }
      }
      await Promise.allSettled(handles.map((handle) => handle.done));
      await recorder.flushed();
      root.send({ type: SHUTDOWN_EVENT });
      unwatchRegistry();
      unwatchStore();
      routing.close();
      await store.close();
    })();
    return stopping;
  };

  return {
    createSession,
    terminateSession,
    send: routing.send,
    locate: routing.locate,
    findSupervisor,
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

function terminalOfView(view: SessionView): TerminalRecord {
  return {
    sessionId: view.id,
    outcome: view.outcome!,
    ...definedFields({ reason: view.reason }),
    createdAt: view.createdAt,
    endedAt: view.endedAt ?? view.createdAt,
    restarts: view.restarts,
    ...definedFields({ host: view.host }),
    ...definedFields({ metadata: view.metadata }),
  };
}
