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
 * const record = await session.done;      // { outcome: 'completed', ... }, on disk
 * await manager.stop();                   // live sessions end 'cancelled'
 * ```
 *
 * A session may ask for a workspace (`workspace: { kind: 'git-worktree',
 * repo }` or `{ kind: 'temp-dir' }`): it is created under `workspaceRoot`
 * before the session's children start, shown in its view, journaled, and
 * kept or removed at the end per its keep policy. See docs/workspaces.md.
 *
 * Sessions are temporary children of the manager's one_for_one supervisor:
 * never restarted; their outcome is recorded instead. `stop()` cancels every
 * live session at once, as a DynamicSupervisor shuts its children down
 * concurrently, and waits until each has written its terminal record.
 */
import {
  type ActorOptions,
  type AnyActorLogic,
  type AnyActorRef,
  createActor,
  type InspectionEvent,
  type Observer,
} from 'xstate';

type Clock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

import { systemNow } from '../clock.js';
import { SessionError, SupervisorError } from '../errors.js';
import {
  createFileJournal,
  createMemoryJournal,
  type Journal,
  type TerminalRecord,
} from '../journal/index.js';
import { sweepSessionProcesses } from '../process/processTree.js';
import { createRegistry, type Registry, sessionSupervisorKey } from '../registry/index.js';
import { sessionMachine } from '../session/sessionMachine.js';
import type { SessionOutput, SessionState } from '../session/types.js';
import { SHUTDOWN_EVENT } from '../shutdown.js';
import {
  childRef,
  createSupervisor,
  startChild,
  totalRestartsOf,
  whichChildren,
} from '../supervisor/index.js';
import { toWorkspaceRecord } from '../workspace/journalRecord.js';
import { workspaceLocation } from '../workspace/lifecycle.js';
import { resolveWorkspaceRoot } from '../workspace/paths.js';
import { planWorkspace } from '../workspace/spec.js';
import type { WorkspaceEvent, WorkspacePlan, WorkspaceRecorder } from '../workspace/types.js';
import { createDashboard, type Dashboard, listRows, type SessionView } from './dashboardStore.js';
import { reconcile, reconcileWorkspaces } from './reconcile.js';
import { checkSessionId, checkSessionSpec, type SessionSpec } from './sessionSpec.js';
import { watchSession } from './sessionWatch.js';

export interface SessionManagerOptions {
  /** A `Journal`, or a path for the file journal. Default: in memory. */
  journal?: Journal | string;
  /** At most this many live sessions; `createSession` past it throws `SupervisorError('max_children')`. */
  maxSessions?: number;
  /** The default `timeoutMs` of every session. */
  timeoutMs?: number;
  /** The actor system's clock; a `SimulatedClock` drives every deadline and timestamp. */
  clock?: Clock;
  /** An XState inspector; it sees every actor the manager creates. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * Where session workspaces are created, as `<workspaceRoot>/<sessionId>`
   * (relative paths resolve against the cwd). Default: a folder of this user
   * under `os.tmpdir()`, `xstate-otp-workspaces-<uid>`. Keep it the same
   * across restarts so reconciliation finds what it left.
   */
  workspaceRoot?: string;
}

export interface Session {
  id: string;
  ref: AnyActorRef;
  createdAt: number;
  /** Resolves once the terminal record is durable in the journal. */
  done: Promise<TerminalRecord>;
}

export interface SessionManager {
  createSession(spec: SessionSpec): Session;
  terminateSession(id: string, reason?: string): Promise<TerminalRecord>;
  findSupervisor(id: string): AnyActorRef | undefined;
  getChild(id: string, childId: string): AnyActorRef | undefined;
  getSession(id: string): SessionView | undefined;
  listSessions(): SessionView[];
  readonly dashboard: Dashboard;
  readonly registry: Registry;
  readonly maxSessions: number;
  readonly timeoutMs: number | undefined;
  /** Absolute path under which session workspaces are created. */
  readonly workspaceRoot: string;
  /** The manager's own supervisor, the root of the actor system. */
  readonly root: AnyActorRef;
  stop(): Promise<void>;
}

interface LiveSession {
  session: Session;
  /** Its supervisor while registered: `getChild` goes here without building the registry key. */
  supervisor: AnyActorRef | undefined;
  metadata: Record<string, unknown> | undefined;
  settle: (outcome: SessionOutput) => void;
}

function openJournal(journal: SessionManagerOptions['journal']): Journal {
  if (typeof journal === 'string') return createFileJournal(journal);
  return journal ?? createMemoryJournal();
}

export async function createSessionManager(
  options: SessionManagerOptions = {},
): Promise<SessionManager> {
  const maxSessions = options.maxSessions ?? Number.POSITIVE_INFINITY;
  if (typeof maxSessions !== 'number' || Number.isNaN(maxSessions) || maxSessions < 0) {
    throw new SupervisorError(
      'invalid_spec',
      `maxSessions must be a number >= 0; got ${JSON.stringify(options.maxSessions)}.`,
    );
  }
  const workspaceRoot = resolveWorkspaceRoot(options.workspaceRoot);
  const journal = openJournal(options.journal);
  const records = await journal.open();
  const registry = createRegistry();
  const dashboard = createDashboard();
  const live = new Map<string, LiveSession>();
  const ended = new Map<string, TerminalRecord>();
  const pending = new Set<Promise<unknown>>();

  const root = createActor(createSupervisor({ strategy: 'one_for_one', registry }), {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  // The root never fails (its children are temporary), but an error here
  // must never reach the host as an unhandled one.
  root.subscribe({ error: () => {} });
  root.start();
  const now = () => systemNow(root);

  const track = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    const untrack = () => pending.delete(promise);
    promise.then(untrack, untrack);
    return promise;
  };

  /** Journals a session's workspace events and shows them in its row. */
  const workspaceRecorder =
    (id: string): WorkspaceRecorder =>
    (event: WorkspaceEvent) => {
      const location = workspaceLocation(event.workspace);
      switch (event.status) {
        case 'ready':
          dashboard.trigger.sessionChanged({ id, patch: { workspace: location } });
          // Not journaled: `creating` already is, and the end will be.
          return Promise.resolve();
        case 'kept':
        case 'removed':
          dashboard.trigger.sessionChanged({
            id,
            patch: { workspace: { ...location, kept: event.status === 'kept' } },
          });
          break;
        case 'rolled_back':
          dashboard.trigger.sessionChanged({ id, patch: { workspace: undefined } });
          break;
        default:
          break;
      }
      return track(journal.append(toWorkspaceRecord(event, now())));
    };

  // Sessions that started a process (told by `onProcessStart` in their
  // environment): only those pay for a sweep of /proc when they end.
  const sessionsWithProcesses = new Set<string>();

  /** Kills processes that escaped their tree but still carry the session's marker. */
  const sweepStrays = (id: string): Promise<void> =>
    sessionsWithProcesses.delete(id)
      ? sweepSessionProcesses(id, { forceKillAfterMs: 0 }).then(() => undefined)
      : Promise.resolve();

  try {
    const interrupted = await reconcile(records, journal, dashboard, ended, now);
    // Processes of sessions whose host died may have outlived it.
    await Promise.all(
      interrupted.map((summary) =>
        sweepSessionProcesses(summary.sessionId, { forceKillAfterMs: 1000 }),
      ),
    );
    // Only once those are gone: their workspaces, per policy.
    await reconcileWorkspaces(records, journal, dashboard, ended, now);
  } catch (error) {
    root.stop();
    await journal.close();
    throw error;
  }

  // Each session's supervisor registers itself before it starts its
  // children, so this sees every child status change from the first.
  const sessionSupervisorPrefix = sessionSupervisorKey('');
  const unwatchRegistry = registry.subscribe((change) => {
    if (change.type !== 'register' || !change.key.startsWith(sessionSupervisorPrefix)) return;
    const id = change.key.slice(sessionSupervisorPrefix.length);
    const supervisor = change.ref;
    const entry = live.get(id);
    if (entry) entry.supervisor = supervisor;
    const refresh = () => {
      if (!live.has(id)) return;
      dashboard.trigger.sessionChanged({
        id,
        patch: {
          restarts: totalRestartsOf(supervisor),
          children: whichChildren(supervisor).map(({ id: childId, status }) => ({
            id: childId,
            status,
          })),
        },
      });
    };
    supervisor.on('child.changed', refresh);
  });

  let stopping: Promise<void> | undefined;

  const createSession = (spec: SessionSpec): Session => {
    if (stopping) {
      throw new SessionError(
        'stopped',
        'The session manager has been stopped; create a new one to start sessions.',
      );
    }
    const checked = checkSessionSpec(spec, options.timeoutMs, registry);
    const { id, metadata } = checked;
    const workspacePlan: WorkspacePlan | undefined =
      checked.workspace && planWorkspace(checked.workspace, workspaceRoot, id);
    if (live.has(id) || ended.has(id)) {
      throw new SessionError(
        'duplicate_id',
        `A session "${id}" already exists${ended.has(id) ? ' in the journal' : ''}; session ids are never reused.`,
        { sessionId: id },
      );
    }
    if (live.size >= maxSessions) {
      throw new SupervisorError(
        'max_children',
        `The manager already runs its maximum of ${maxSessions} sessions.`,
      );
    }
    const createdAt = now();
    let settle!: (outcome: SessionOutput) => void;
    const done = new Promise<TerminalRecord>((resolve, reject) => {
      settle = (output) => {
        const entry = live.get(id);
        if (!entry) return;
        live.delete(id);
        const record: TerminalRecord = {
          sessionId: id,
          outcome: output.outcome,
          ...(output.reason === undefined ? {} : { reason: output.reason }),
          createdAt,
          endedAt: output.endedAt,
          restarts: output.restarts,
          ...(metadata === undefined ? {} : { metadata }),
        };
        ended.set(id, record);
        dashboard.trigger.sessionChanged({
          id,
          patch: {
            state: record.outcome,
            outcome: record.outcome,
            endedAt: record.endedAt,
            restarts: record.restarts,
            ...(record.reason === undefined ? {} : { reason: record.reason }),
          },
        });
        // Anything still carrying the session's marker escaped its process
        // tree (a setsid daemon): it dies before the outcome is final.
        // (With a workspace, this already happened before it was released.)
        const swept = sweepStrays(id);
        track(
          swept.then(() => journal.append({ type: 'terminal', at: record.endedAt, ...record })),
        ).then(() => resolve(record), reject);
      };
    });
    // A journal failure is reported through `done`, never as an unhandled rejection.
    done.catch(() => {});
    const session = { id, createdAt, done } as Session;
    live.set(id, { session, metadata, settle, supervisor: undefined });
    dashboard.trigger.sessionAdded({
      view: {
        id,
        state: 'starting',
        createdAt,
        restarts: 0,
        children: checked.supervisor.children.map((child) => ({ id: child.id, status: 'stopped' })),
        ...(metadata === undefined ? {} : { metadata }),
      },
    });
    track(
      journal.append({
        type: 'created',
        sessionId: id,
        at: createdAt,
        ...(metadata === undefined ? {} : { metadata }),
        spec: {
          children: checked.supervisor.children.map((child) => child.id),
          ...(workspacePlan === undefined ? {} : { workspace: workspacePlan.kind }),
        },
      }),
    ).catch(() => {});
    session.ref = startChild(root, {
      id,
      logic: sessionMachine,
      restart: 'temporary',
      // A session bounds its own shutdown by its children's grace.
      shutdown: 'infinity',
      input: {
        id,
        createdAt,
        timeoutMs: checked.timeoutMs,
        workspace: workspacePlan && {
          plan: workspacePlan,
          record: workspaceRecorder(id),
          beforeRelease: () => sweepStrays(id),
        },
        supervisor: {
          ...checked.supervisor,
          registry,
          registerAs: sessionSupervisorKey(id),
          environment: { sessionId: id, onProcessStart: () => sessionsWithProcesses.add(id) },
        },
      },
    });
    watchSession(
      session.ref,
      {
        state: (state: SessionState) => {
          if (state !== 'running') {
            dashboard.trigger.sessionChanged({ id, patch: { state } });
            return;
          }
          const startedAt = now();
          dashboard.trigger.sessionChanged({ id, patch: { state, startedAt } });
          track(journal.append({ type: 'started', sessionId: id, at: startedAt })).catch(() => {});
        },
        ended: (output) => settle(output),
      },
      now,
    );
    return session;
  };

  const terminateSession = (id: string, reason?: string): Promise<TerminalRecord> => {
    try {
      checkSessionId(id);
    } catch (error) {
      return Promise.reject(error);
    }
    const record = ended.get(id);
    if (record) return Promise.resolve(record);
    const entry = live.get(id);
    if (!entry) {
      return Promise.reject(
        new SessionError('not_found', `No session "${id}".`, { sessionId: id }),
      );
    }
    entry.session.ref.send({ type: 'session.cancel', reason: reason ?? 'terminated' });
    return entry.session.done;
  };

  const findSupervisor = (id: string): AnyActorRef | undefined => {
    const supervisor = live.get(id)?.supervisor;
    return supervisor?.getSnapshot().status === 'active' ? supervisor : undefined;
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const sessions = [...live.values()].map((entry) => entry.session);
      for (const session of sessions) {
        session.ref.send({ type: 'session.cancel', reason: 'the session manager stopped' });
      }
      await Promise.allSettled(sessions.map((session) => session.done));
      await Promise.allSettled([...pending]);
      root.send({ type: SHUTDOWN_EVENT });
      unwatchRegistry();
      await journal.close();
    })();
    return stopping;
  };

  return {
    createSession,
    terminateSession,
    findSupervisor,
    getChild: (id, childId) => {
      const supervisor = findSupervisor(id);
      return supervisor && childRef(supervisor, childId);
    },
    getSession: (id) => dashboard.getSnapshot().context.rows.get(id),
    listSessions: () => listRows(dashboard.getSnapshot().context),
    dashboard,
    registry,
    maxSessions,
    timeoutMs: options.timeoutMs,
    workspaceRoot,
    root,
    stop,
  };
}
