/**
 * `managerSource(manager)`: a live session manager as a `DashboardSource`,
 * built on its public API only.
 *
 * ```ts
 * const source = managerSource(manager);
 * source.onChange((id) => console.log('row changed', id));
 * const detail = await source.detail('fix-42');   // tree, statecharts, events, output, journal records
 * await source.restartChild('fix-42', 'agent');
 * source.close();
 * ```
 *
 * Where each part comes from:
 * - Rows: `manager.dashboard` (the @xstate/store projection). Its
 *   `inspect` hook names the event behind each change, hence the session id,
 *   so a change costs O(1) however many sessions there are.
 * - Output tails: every session supervisor registers in `manager.registry`
 *   before it starts a child; its `child.changed` events hand over each new
 *   child ref, and a `fromProcess` child's `process.output` lines are kept,
 *   bounded, per session. Always on: the lines printed before someone opens
 *   the page are the ones they want.
 * - Recent events and live state: XState's `system.inspect`, subscribed only
 *   while someone watches a session (inspection costs every actor of the
 *   system some throughput, so it is never left on for nothing); events are
 *   recorded from the moment the first viewer opens that session's page.
 * - Tree: `supervisionTree` of the session actor; statecharts: `toMermaid`
 *   of each machine; journal records: `manager.records(id)`, read back from
 *   its store (the journal file, or the cluster's stream). While someone
 *   watches, the `xstate-otp:journal:append` telemetry channel tells which
 *   session this host just journaled for: a record that changes no row (a
 *   durable session's checkpoint) still reaches an open page.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { systemNow } from '../ground/clock.js';
import { OUTCOMES } from '../ground/outcome.js';
import { toSafeJson } from '../inspect/safeJson.js';
import { isRecordOfType, type JournalRecord } from '../journal/index.js';
import type { SessionManager } from '../manager/createSessionManager.js';
import { processMachine } from '../process/fromProcess.js';
import { sessionSupervisorKey } from '../registry/index.js';
import { sessionMachine } from '../session/sessionMachine.js';
import {
  type ChildChangedEvent,
  restartChild,
  terminateChild,
  whichChild,
  whichChildren,
} from '../supervisor/index.js';
import { type JournalAppendMessage, telemetryChannels } from '../telemetry/index.js';
import { createChartCache } from './charts.js';
import { DashboardError } from './dashboardError.js';
import {
  isStateMachine,
  liveSessionRef,
  logicOf,
  machineChildren,
  sessionActors,
  sessionTree,
} from './sessionActors.js';
import { SessionLogs } from './sessionLogs.js';
import type {
  DashboardSessionView,
  DashboardSource,
  MachineChart,
  OutputLine,
  RecordedEvent,
} from './source.js';

export interface ManagerSourceOptions {
  /** Output lines kept per session. Default 500. */
  outputLines?: number;
  /** Output kept per session, in characters. Default 64 Ki. */
  outputBytes?: number;
  /** Events kept per watched session. Default 200. */
  events?: number;
  /** Ended sessions whose output and events stay in memory. Default 200. */
  keepEnded?: number;
}

/** Longest output line kept, in characters; the rest is cut with a marker. */
const MAX_LINE = 4000;
/** Longest event text kept. */
const MAX_EVENT_TEXT = 2000;

const ENDED = new Set<string>(OUTCOMES);

interface Labelled {
  sessionId: string;
  label: string;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more)`;
}

/**
 * The view with `resumedFrom`: the `from` of the session's latest `resumed`
 * record. A live view does not carry it; the records, read for the detail
 * anyway, do.
 */
function withResumedFrom(
  row: DashboardSessionView,
  records: readonly JournalRecord[] | null,
): DashboardSessionView {
  if (row.attempt === undefined || row.attempt < 2 || !records) return row;
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i]!;
    if (isRecordOfType(record, 'resumed')) {
      return record.from === undefined ? row : { ...row, resumedFrom: record.from };
    }
  }
  return row;
}

export function managerSource(
  manager: SessionManager,
  options: ManagerSourceOptions = {},
): DashboardSource {
  const hostId = (manager as { hostId?: unknown }).hostId;
  const now = () => systemNow(manager.root);
  const keepEnded = options.keepEnded ?? 200;
  const output = new SessionLogs<OutputLine>({
    perSession: options.outputLines ?? 500,
    maxBytes: options.outputBytes ?? 64 * 1024,
    keepEnded,
  });
  const events = new SessionLogs<RecordedEvent>({ perSession: options.events ?? 200, keepEnded });
  const charts = createChartCache();

  // Listeners on actors cannot all be removed (an actor's `on` outlives us):
  // once closed, they do nothing.
  let closed = false;
  const changeListeners = new Set<(id: string | undefined) => void>();
  const watchers = new Map<string, Set<() => void>>();
  const notifyWatchers = (sessionId: string) => {
    const listeners = watchers.get(sessionId);
    if (listeners) for (const listener of listeners) listener();
  };

  // Rows. The store's events are `sessionAdded { view }` and
  // `sessionChanged { id }`; any other shape means "anything may have changed".
  const storeWatch = manager.dashboard.inspect((inspection) => {
    if (inspection.type !== '@xstate.transition') return;
    const event = inspection.event as { type: string; id?: unknown; view?: { id?: unknown } };
    if (event.type === '@xstate.init') return;
    const id = typeof event.id === 'string' ? event.id : event.view?.id;
    const sessionId = typeof id === 'string' ? id : undefined;
    if (sessionId !== undefined) {
      const context = (
        inspection.snapshot as { context?: { rows?: Map<string, { state: string }> } }
      ).context;
      const row = context?.rows?.get(sessionId);
      if (!row || ENDED.has(row.state)) {
        output.ended(sessionId);
        events.ended(sessionId);
      }
      notifyWatchers(sessionId);
    }
    for (const listener of changeListeners) listener(sessionId);
  });

  // Output tails, and the actor index of watched sessions kept current.
  const attached = new WeakSet<AnyActorRef>();
  const attachProcess = (sessionId: string, childId: string, ref: AnyActorRef) => {
    if (attached.has(ref) || logicOf(ref) !== processMachine) return;
    attached.add(ref);
    ref.on('process.output', (emitted: { stream: 'stdout' | 'stderr'; line: string }) => {
      if (closed) return;
      const line = clip(emitted.line, MAX_LINE);
      output.push(
        sessionId,
        (seq) => ({ seq, at: now(), child: childId, stream: emitted.stream, line }),
        line.length,
      );
      notifyWatchers(sessionId);
    });
  };
  const attachSupervisor = (sessionId: string, supervisor: AnyActorRef) => {
    if (attached.has(supervisor)) return;
    attached.add(supervisor);
    supervisor.on('child.changed', (change: ChildChangedEvent) => {
      if (closed) return;
      if (change.status === 'running' && change.ref)
        attachProcess(sessionId, change.id, change.ref);
      if (watchers.has(sessionId)) {
        indexSession(sessionId);
        notifyWatchers(sessionId);
      }
    });
    for (const info of whichChildren(supervisor)) {
      if (info.ref && info.status === 'running') attachProcess(sessionId, info.id, info.ref);
    }
  };
  const supervisorPrefix = sessionSupervisorKey('');
  const registryWatch = manager.registry.subscribe((change) => {
    if (change.type === 'register' && change.key.startsWith(supervisorPrefix)) {
      attachSupervisor(change.key.slice(supervisorPrefix.length), change.ref);
    }
  });
  for (const key of manager.registry.keys(supervisorPrefix)) {
    const ref = manager.registry.lookup(key);
    if (ref) attachSupervisor(key.slice(supervisorPrefix.length), ref);
  }

  // Inspection, while anyone watches.
  const index = new Map<unknown, Labelled>();
  const indexed = new Map<string, unknown[]>();
  const indexSession = (sessionId: string) => {
    for (const ref of indexed.get(sessionId) ?? []) index.delete(ref);
    const session = liveSessionRef(manager, sessionId);
    if (!session) {
      indexed.delete(sessionId);
      return;
    }
    const actors = sessionActors(session, manager.findSupervisor(sessionId));
    for (const [ref, label] of actors) index.set(ref, { sessionId, label });
    indexed.set(
      sessionId,
      actors.map(([ref]) => ref),
    );
  };
  let reindexPending = false;
  const reindexSoon = () => {
    if (reindexPending) return;
    reindexPending = true;
    // A new actor somewhere: if it belongs to a watched session, it is
    // labelled before its next event comes in (once per tick, however many).
    queueMicrotask(() => {
      reindexPending = false;
      for (const sessionId of watchers.keys()) indexSession(sessionId);
    });
  };
  const observe = (inspection: InspectionEvent) => {
    if (inspection.type === '@xstate.event') {
      const target = index.get(inspection.actorRef);
      if (!target) return;
      const source = inspection.sourceRef && index.get(inspection.sourceRef);
      const event = inspection.event;
      const data = clip(JSON.stringify(toSafeJson(event)) ?? '', MAX_EVENT_TEXT);
      events.push(
        target.sessionId,
        (seq) => ({
          seq,
          at: now(),
          target: target.label,
          ...(source && source.sessionId === target.sessionId ? { source: source.label } : {}),
          type: String(event.type),
          data,
        }),
        data.length,
      );
      notifyWatchers(target.sessionId);
    } else if (inspection.type === '@xstate.snapshot') {
      const target = index.get(inspection.actorRef);
      if (target) notifyWatchers(target.sessionId);
    } else if (inspection.type === '@xstate.actor') {
      reindexSoon();
    }
  };
  let inspection: { unsubscribe(): void } | undefined;

  // Records this host journaled for a watched session, once durable. Subscribed only while
  // someone watches: with a subscriber, every append is timed and published.
  const onAppend = (message: unknown) => {
    const { sessionId, hostId: writer } = message as JournalAppendMessage;
    if (closed || !watchers.has(sessionId)) return;
    if (hostId !== undefined && writer !== hostId) return;
    notifyWatchers(sessionId);
  };
  let appendsWatched = false;
  const watchAppends = (on: boolean) => {
    if (on === appendsWatched) return;
    appendsWatched = on;
    if (on) subscribe(telemetryChannels.journalAppend, onAppend);
    else unsubscribe(telemetryChannels.journalAppend, onAppend);
  };

  const view = (id: string) => manager.getSession(id) as DashboardSessionView | undefined;
  const isRemote = (row: DashboardSessionView) =>
    row.host !== undefined && hostId !== undefined && row.host !== hostId;

  const machinesOf = (id: string, row: DashboardSessionView): MachineChart[] => {
    const session = liveSessionRef(manager, id);
    if (!session) {
      // Ended here, or elsewhere: the session machine, at its last known state.
      return [charts.forValue('session', sessionMachine, row.state)];
    }
    const logic = logicOf(session);
    const machines: MachineChart[] = [];
    const own = charts.forRef('session', session);
    if (own) machines.push(own);
    else if (isStateMachine(logic)) machines.push(charts.forValue('session', logic, undefined));
    for (const [childId, ref] of machineChildren(manager.findSupervisor(id))) {
      const chart = charts.forRef(childId, ref);
      if (chart) machines.push(chart);
    }
    return machines;
  };

  /** The supervisor to act on; rejects when the session cannot be acted on here. */
  const supervisorFor = (id: string): AnyActorRef => {
    const row = view(id);
    if (!row) throw new DashboardError('not_found', `No session "${id}".`);
    const supervisor = manager.findSupervisor(id);
    if (supervisor) return supervisor;
    if (isRemote(row)) {
      throw new DashboardError(
        'remote',
        `Session "${id}" runs on host "${row.host}"; its children can only be managed there.`,
      );
    }
    throw new DashboardError('conflict', `Session "${id}" is ${row.state}: it has no children.`);
  };
  const childOf = (id: string, childId: string) => {
    const supervisor = supervisorFor(id);
    const info = whichChild(supervisor, childId);
    if (!info) throw new DashboardError('not_found', `Session "${id}" has no child "${childId}".`);
    return { supervisor, info };
  };

  return {
    readOnly: false,
    title: typeof hostId === 'string' ? hostId : 'live',
    list: () => manager.listSessions() as DashboardSessionView[],
    now,
    get: view,
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    async detail(id, since = {}) {
      const row = view(id);
      if (!row) return undefined;
      const machines = machinesOf(id, row);
      // Read back from the manager's store: the file journal, or the cluster's stream.
      const records = await manager.records(id).catch(() => null);
      const journal =
        records === null ? null : records.slice(Math.min(since.journal ?? 0, records.length));
      return {
        view: withResumedFrom(row, records),
        local: !isRemote(row),
        tree: sessionTree(manager, id),
        statechart: machines.find((machine) => machine.id === 'session')?.statechart ?? null,
        machines,
        events: events.since(id, since.events),
        output: output.since(id, since.output),
        journal,
        journalTotal: records?.length ?? null,
        now: now(),
      };
    },
    watch(id, listener) {
      let listeners = watchers.get(id);
      if (!listeners) {
        listeners = new Set();
        watchers.set(id, listeners);
        indexSession(id);
      }
      listeners.add(listener);
      inspection ??= manager.root.system.inspect(observe);
      watchAppends(true);
      return () => {
        const current = watchers.get(id);
        if (!current?.delete(listener) || current.size > 0) return;
        watchers.delete(id);
        for (const ref of indexed.get(id) ?? []) index.delete(ref);
        indexed.delete(id);
        if (watchers.size === 0) {
          inspection?.unsubscribe();
          inspection = undefined;
          watchAppends(false);
        }
      };
    },
    async terminateSession(id, reason) {
      const row = view(id);
      if (!row) throw new DashboardError('not_found', `No session "${id}".`);
      return manager.terminateSession(id, reason ?? 'terminated from the dashboard');
    },
    async restartChild(id, childId) {
      const { supervisor, info } = childOf(id, childId);
      // OTP restarts only a stopped child; from the page, "restart" means
      // stop it (as its `shutdown` says) and start it again.
      if (info.status === 'running') await terminateChild(supervisor, childId);
      restartChild(supervisor, childId);
    },
    async terminateChild(id, childId) {
      const { supervisor } = childOf(id, childId);
      await terminateChild(supervisor, childId);
    },
    close() {
      closed = true;
      storeWatch.unsubscribe();
      registryWatch();
      inspection?.unsubscribe();
      inspection = undefined;
      watchAppends(false);
      watchers.clear();
      changeListeners.clear();
    },
  };
}
