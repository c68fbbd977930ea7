/**
 * `openJournalSource(path)`: a journal file as a read-only `DashboardSource`,
 * for looking at a host's sessions whether it still runs or not.
 *
 * ```ts
 * const source = await openJournalSource('.xstate-otp/journal.jsonl');  // rejects: JournalError 'io' | 'corrupt'
 * source.list();                          // one row per session, created order
 * await source.terminateSession('a');     // rejects: DashboardError 'read_only'
 * source.close();
 * ```
 *
 * The file is read without its lock and never written (`journalReader.ts`),
 * then read again every `pollMs` for what was appended: a live host's
 * sessions appear and end on the page as it journals them. A session with no
 * terminal record is `starting`/`running` while a live process holds the
 * journal's lock; otherwise its host is gone, the next manager to open the
 * journal will record it `interrupted`, and that is what the row says (with
 * `pending: true`). There are no actors here: no tree, events or output; the
 * statechart is the session machine with the recorded outcome highlighted.
 */
import { toMermaid } from '../inspect/toMermaid.js';
import type { SessionSummary } from '../journal/index.js';
import { sessionMachine } from '../session/sessionMachine.js';
import { viewOfSummary } from '../session/view.js';
import { createChartCache } from './charts.js';
import { DashboardError } from './dashboardError.js';
import { createJournalReader } from './journalReader.js';
import type { DashboardSessionView, DashboardSource } from './source.js';

export interface JournalSourceOptions {
  /** How often the file is checked for new records (ms). Default 500. */
  pollMs?: number;
}

/** A row of the journal view: a session view, `pending` when its interruption is not recorded yet. */
export type JournalSessionView = DashboardSessionView & { pending?: true };

function viewOf(summary: SessionSummary, hostAlive: boolean): JournalSessionView {
  const view: JournalSessionView = viewOfSummary(summary);
  if (summary.resumedFrom !== undefined) view.resumedFrom = summary.resumedFrom;
  const children = Array.isArray(summary.spec?.children)
    ? (summary.spec.children as unknown[]).filter((id): id is string => typeof id === 'string')
    : [];
  return {
    ...view,
    // No outcome and no live host: the next manager to open the journal records
    // it interrupted, or resumes it when it is durable (then it keeps its state).
    ...(summary.terminal || hostAlive
      ? {}
      : summary.durable
        ? { pending: true as const }
        : { state: 'interrupted' as const, pending: true as const }),
    // What the journal knows of the children: their ids, not their state.
    children: children.map((id) => ({ id, status: 'stopped' as const })),
  };
}

export async function openJournalSource(
  path: string,
  options: JournalSourceOptions = {},
): Promise<DashboardSource> {
  const reader = createJournalReader(path);
  await reader.refresh();
  const charts = createChartCache();
  const sessionChart = toMermaid(sessionMachine);
  let hostAlive = (await reader.holder()) !== undefined;
  const views = new Map<string, JournalSessionView>();
  let order: string[] = [];
  const rebuild = (ids: Iterable<string>) => {
    for (const id of ids) {
      const summary = reader.summary(id);
      if (summary) views.set(id, viewOf(summary, hostAlive));
    }
    // First-seen order is created order: a session's first record is its `created`.
    order = [...reader.ids()].filter((id) => views.has(id));
  };
  rebuild(reader.ids());

  const listeners = new Set<(id: string | undefined) => void>();
  let failure: Error | undefined;
  const poll = async () => {
    try {
      const { changed, reset } = await reader.refresh();
      const alive = (await reader.holder()) !== undefined;
      if (reset || alive !== hostAlive) {
        hostAlive = alive;
        views.clear();
        rebuild(reader.ids());
        for (const listener of listeners) listener(undefined);
        return;
      }
      if (changed.size === 0) return;
      rebuild(changed);
      for (const id of changed) for (const listener of listeners) listener(id);
    } catch (error) {
      // A journal that became corrupt or vanished: keep what was read, and say so.
      failure = error as Error;
    }
  };
  let polling = false;
  const timer = setInterval(() => {
    // One read at a time: a slow disk skips ticks rather than piling reads up.
    if (polling) return;
    polling = true;
    poll().finally(() => {
      polling = false;
    });
  }, options.pollMs ?? 500);
  timer.unref();

  const readOnly = (): Promise<never> =>
    Promise.reject(
      new DashboardError('read_only', 'This dashboard shows a journal: it is read-only.'),
    );

  return {
    readOnly: true,
    get title() {
      return failure ? `${reader.path} (${failure.message})` : reader.path;
    },
    list: () => order.map((id) => views.get(id)!),
    now: () => Date.now(),
    get: (id) => views.get(id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async detail(id, since = {}) {
      const view = views.get(id);
      if (!view) return undefined;
      const total = reader.count(id);
      const from = Math.min(since.journal ?? 0, total);
      return {
        view,
        local: false,
        tree: null,
        statechart: sessionChart,
        machines: [charts.forValue('session', sessionMachine, view.state)],
        events: [],
        output: [],
        // Only the records not seen yet are read (by offset): a push never parses the rest again.
        journal: await reader.records(id, from).catch(() => null),
        journalTotal: total,
        now: Date.now(),
      };
    },
    watch: () => () => {},
    terminateSession: readOnly,
    restartChild: readOnly,
    terminateChild: readOnly,
    close() {
      clearInterval(timer);
      listeners.clear();
    },
  };
}
