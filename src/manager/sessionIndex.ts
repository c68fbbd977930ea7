/**
 * The manager's one index of sessions: every view it shows (the `dashboard`
 * store), the handles of the sessions running here, and the ids that are
 * used but no longer in memory.
 *
 * ```ts
 * const index = createSessionIndex({ retainEnded: 10_000 });
 * index.addLive(view, handle);        // createSession
 * index.change(id, { state: 'running' });
 * index.end(id, { state: 'completed', outcome: 'completed', endedAt });
 * index.isUsed(id);                   // true for ever, even once retired
 * ```
 *
 * Retention: ended sessions stay in memory, newest `retainEnded` of them, in
 * end order; an older one is retired: its view leaves the dashboard and only
 * its id is kept (ids are never reused). `history()` reads retired sessions
 * back from the store.
 */
import type { AnyActorRef } from 'xstate';
import type { TerminalRecord } from '../ground/outcome.js';
import type { SessionView } from '../session/view.js';
import { createDashboard, listRows } from './dashboardStore.js';
import { type Dashboard, dashboardView } from './dashboardView.js';

/** What the manager holds for a session that runs on this host. */
export interface LiveSession {
  /** The session's actor: its supervisor (`session_supervisor:<id>`). */
  readonly ref: AnyActorRef;
  /** The session's `done` promise. */
  readonly done: Promise<TerminalRecord>;
  /** A durable session's checkpoints: awaited by `send`, and its hand-off. */
  readonly durable?: {
    /** Resolves once every state its children reached so far is durable. */
    checkpointed(): Promise<void>;
    /** Checkpoints it, stops it without a terminal record; resolves once it is stopped. */
    handOff(): Promise<void>;
  };
}

export interface SessionIndex {
  readonly dashboard: Dashboard;
  /** Whether the id is taken: shown, live or retired. */
  isUsed(id: string): boolean;
  /** A session of this host. */
  addLive(view: SessionView, handle: LiveSession): void;
  /** A session known from storage (ended, or live on another host). */
  addKnown(view: SessionView): void;
  live(id: string): LiveSession | undefined;
  /** The handle of a session that ended but whose terminal record is not durable yet. */
  settling(id: string): LiveSession | undefined;
  /** Live and settling sessions: what `stop()` waits for. */
  liveHandles(): LiveSession[];
  readonly liveCount: number;
  view(id: string): SessionView | undefined;
  list(): SessionView[];
  change(id: string, patch: Partial<Omit<SessionView, 'id'>>): void;
  /** The session ended: it is no longer live, its handle settles, its view stays until retired. */
  end(id: string, patch: Partial<Omit<SessionView, 'id'>>): void;
  /** Its terminal record is durable (or failed): the handle goes. */
  settled(id: string): void;
  /**
   * The session stopped here without an outcome of this host's: another host
   * took it over (cluster mode). Its view waits for the outcome storage reports.
   */
  detach(id: string): void;
  /** Forgets a session that never existed (its claim was refused). */
  forget(id: string): void;
  /**
   * Ownership of a live session was lost (cluster mode): nothing more may be
   * written for it. True the first time, false when already fenced or not live.
   */
  fence(id: string): boolean;
  isFenced(id: string): boolean;
}

/**
 * A flat copy of a string. Ids built piece by piece (nanoid appends one
 * character at a time) are rope strings of a few hundred bytes in V8; a
 * retired id is kept for the manager's lifetime, so it is kept flat (about
 * 40 bytes for a default id).
 */
function compactCopy(text: string): string {
  return Buffer.from(text).toString();
}

export function createSessionIndex({ retainEnded }: { retainEnded: number }): SessionIndex {
  const dashboard = createDashboard();
  const rows = () => dashboard.getSnapshot().context.rows;
  const publicDashboard = dashboardView(dashboard);
  const live = new Map<string, LiveSession>();
  const settling = new Map<string, LiveSession>();
  const retired = new Set<string>();
  const fenced = new Set<string>();
  // Ended ids in end order; `head` skips the retired ones without shifting the array.
  let ended: string[] = [];
  let head = 0;

  const retire = () => {
    while (ended.length - head > retainEnded) {
      const id = ended[head++]!;
      retired.add(compactCopy(id));
      dashboard.trigger.sessionRemoved({ id });
    }
    if (head > 1024 && head * 2 > ended.length) {
      ended = ended.slice(head);
      head = 0;
    }
  };
  const noteEnded = (id: string) => {
    ended.push(id);
    retire();
  };

  return {
    dashboard: publicDashboard,
    isUsed: (id) => rows().has(id) || retired.has(id),
    addLive(view, handle) {
      live.set(view.id, handle);
      dashboard.trigger.sessionAdded({ view });
    },
    addKnown(view) {
      const existing = rows().get(view.id);
      // Storage's feed may lag: an ended session never goes back to running.
      if (existing?.outcome !== undefined && view.outcome === undefined) return;
      if (existing) {
        dashboard.trigger.sessionChanged({ id: view.id, patch: view });
        if (existing.outcome === undefined && view.outcome !== undefined) noteEnded(view.id);
        return;
      }
      if (retired.has(view.id)) return;
      dashboard.trigger.sessionAdded({ view });
      if (view.outcome !== undefined) noteEnded(view.id);
    },
    live: (id) => live.get(id),
    settling: (id) => settling.get(id),
    liveHandles: () => [...live.values(), ...settling.values()],
    get liveCount() {
      return live.size;
    },
    view: (id) => rows().get(id),
    list: () => listRows(dashboard.getSnapshot().context),
    change(id, patch) {
      dashboard.trigger.sessionChanged({ id, patch });
    },
    end(id, patch) {
      const handle = live.get(id);
      if (handle) settling.set(id, handle);
      live.delete(id);
      dashboard.trigger.sessionChanged({ id, patch });
      noteEnded(id);
    },
    detach(id) {
      live.delete(id);
      settling.delete(id);
      fenced.delete(id);
    },
    settled(id) {
      settling.delete(id);
      fenced.delete(id);
    },
    forget(id) {
      live.delete(id);
      fenced.delete(id);
      dashboard.trigger.sessionRemoved({ id });
    },
    fence(id) {
      if (!live.has(id) || fenced.has(id)) return false;
      fenced.add(id);
      return true;
    },
    isFenced: (id) => fenced.has(id),
  };
}
