/**
 * What the dashboard shows, behind one small interface: a `DashboardSource`.
 * Two implementations ship: a live session manager (`managerSource`) and a
 * journal file read without its lock (`journalSource`, read-only).
 *
 * ```ts
 * const source = managerSource(manager);            // or journalSource('.xstate-otp/journal.jsonl')
 * source.list();                                    // every session, created order
 * const stop = source.onChange((id) => refresh(id)); // id undefined: anything may have changed
 * const detail = await source.detail('fix-42');     // tree, statecharts, events, output, journal
 * const unwatch = source.watch('fix-42', () => redraw());
 * await source.terminateSession('fix-42');          // a read-only source rejects: DashboardError 'read_only'
 * ```
 *
 * The server never reaches past this interface, so a new kind of source (a
 * cluster view, a recording) needs no change to the HTTP layer.
 */
import type { SupervisionNode } from '../inspect/supervisionTree.js';
import type { JournalRecord } from '../journal/index.js';
import type { SessionView } from '../manager/dashboardStore.js';

/**
 * A session's view, with the host that owns it (cluster mode, and journals
 * that record it). A durable session's `attempt` is its run (1, plus one per
 * resume); in a detail, `resumedFrom` names the host of the run before the
 * latest resume (the `from` of its latest `resumed` record), when there was one.
 */
export type DashboardSessionView = SessionView & { host?: string; resumedFrom?: string };

/** One machine's statechart and where it is now. */
export interface MachineChart {
  /** `session` for the session's own machine, else the child's id. */
  id: string;
  /** The Mermaid `stateDiagram-v2` text (`toMermaid`). */
  statechart: string;
  /** Mermaid ids of the active states, outermost first (every level of the active path). */
  active: string[];
  /** The active state as dotted paths, as `supervisionTree` prints it. */
  state?: string;
}

/** An event an actor of the session received, as inspection saw it. */
export interface RecordedEvent {
  seq: number;
  /** Epoch ms on the source's clock. */
  at: number;
  /** Who received it: `session`, `supervisor`, a child id, or `child/invoked`. */
  target: string;
  /** Who sent it, when known (same naming); absent for events from outside. */
  source?: string;
  type: string;
  /** The event as bounded JSON text. */
  data: string;
}

/** A line a process child printed. */
export interface OutputLine {
  seq: number;
  at: number;
  child: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** Everything the session page shows. */
export interface SessionDetail {
  view: DashboardSessionView;
  /** The session's actors run here: tree, machines, events and output are live. */
  local: boolean;
  /** The session's supervision subtree; `null` when it is not running here. */
  tree: SupervisionNode | null;
  /** Mermaid text of the session's own machine. */
  statechart: string | null;
  /** The session's machine, then each running child that is a state machine. */
  machines: MachineChart[];
  /** Recent events, oldest first (only those after `since.events`). */
  events: RecordedEvent[];
  /** Recent output lines, oldest first (only those after `since.output`). */
  output: OutputLine[];
  /**
   * The session's journal records, oldest first (only those after
   * `since.journal`); `null` when no journal is readable.
   */
  journal: JournalRecord[] | null;
  /** How many records the session has in all (with those before `since.journal`); `null` as above. */
  journalTotal: number | null;
  /** The source's clock (epoch ms): compare with `nextRestartAt` for backoff countdowns. */
  now: number;
}

/** What was already seen: `detail` then returns only newer events, lines and journal records. */
export interface DetailCursor {
  /** The last event's `seq`. */
  events?: number;
  /** The last output line's `seq`. */
  output?: number;
  /** Journal records already seen (a count): only later ones are read. */
  journal?: number;
}

export interface DashboardSource {
  /** Actions are refused (HTTP 405). */
  readonly readOnly: boolean;
  /** What the page header names: the host id, or the journal's path. */
  readonly title: string;
  /** Every session, in created order. */
  list(): readonly DashboardSessionView[];
  /** The source's clock (epoch ms), which session times are on. */
  now(): number;
  get(id: string): DashboardSessionView | undefined;
  /**
   * `listener(id)` whenever a session's row may have changed (`undefined`:
   * any row may have). Called synchronously and often: keep it cheap.
   */
  onChange(listener: (id: string | undefined) => void): () => void;
  detail(id: string, since?: DetailCursor): Promise<SessionDetail | undefined>;
  /**
   * `listener()` whenever the session's detail may have changed (events,
   * output, child states). Watching is what turns event recording on.
   */
  watch(id: string, listener: () => void): () => void;
  /** Actions reject with `DashboardError` (`read_only`, `not_found`, `remote`, `conflict`) or the runtime's own errors. */
  terminateSession(id: string, reason?: string): Promise<unknown>;
  /** Terminates a running child first; then starts it again from its spec. */
  restartChild(id: string, childId: string): Promise<void>;
  terminateChild(id: string, childId: string): Promise<void>;
  /** Stops listening to whatever the source listens to. */
  close(): void;
}
