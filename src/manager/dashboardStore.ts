/**
 * The dashboard: an `@xstate/store` projection with one row per session,
 * live and ended, in created order. Users get it read-only and guarded, as
 * `manager.dashboard` (see `dashboardView.ts`).
 *
 * ```ts
 * manager.dashboard.subscribe(({ context }) => render(listRows(context)));
 * const row = manager.dashboard.select((ctx) => ctx.rows.get('a1'));
 * row.subscribe((view) => console.log(view?.state));
 * ```
 *
 * Rows never reorder: a session keeps its place from creation to the end.
 * Every change replaces that session's row object (so `select` on one row
 * fires only when it changes) and bumps `version`; the row map itself is
 * updated in place, so a change costs O(1) however many sessions there are.
 */
import { createStore } from '@xstate/store';
import type { SessionView } from '../session/view.js';

export type { SessionChildView, SessionView } from '../session/view.js';

export interface DashboardContext {
  rows: Map<string, SessionView>;
  /**
   * Session ids in created order (createdAt, then id). Ids of removed rows
   * stay until the next compaction: skip ids that have no row.
   */
  order: string[];
  version: number;
}

const before = (a: SessionView, b: SessionView) =>
  a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);

// How far back from the end a new row's place is looked for before searching.
const NEAR_END = 32;

/** Where a row created at `createdAt` goes: after every row created earlier or at the same time with a smaller id. */
function insertionIndex(context: DashboardContext, view: SessionView): number {
  // Sessions are almost always created in clock order, so the place is at or
  // near the end (same-millisecond sessions order by id): walk back a little,
  // stepping over the ids of removed rows.
  const { order, rows } = context;
  for (let index = order.length, steps = 0; index > 0 && steps < NEAR_END; index--, steps++) {
    const other = rows.get(order[index - 1]!);
    if (other && before(other, view)) return index;
  }
  if (order.length <= NEAR_END) return 0;
  // Far out of order (a session of another host, say): binary search a compacted order.
  if (order.length > rows.size) compact(context);
  let low = 0;
  let high = context.order.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (before(rows.get(context.order[mid]!)!, view)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Drops the ids of removed rows from `order`. */
function compact(context: DashboardContext): void {
  context.order = context.order.filter((id) => context.rows.has(id));
}

export function createDashboard() {
  return createStore({
    context: { rows: new Map(), order: [], version: 0 } as DashboardContext,
    on: {
      sessionAdded: (context, event: { view: SessionView }) => {
        // Known from storage, now running here (a resumed session): it keeps its place.
        if (context.rows.has(event.view.id)) {
          context.rows.set(event.view.id, event.view);
          return { ...context, version: context.version + 1 };
        }
        const index = insertionIndex(context, event.view);
        if (index === context.order.length) context.order.push(event.view.id);
        else context.order.splice(index, 0, event.view.id);
        context.rows.set(event.view.id, event.view);
        return { ...context, version: context.version + 1 };
      },
      /** A row leaves memory (retention, see `retainEnded`); its place in `order` is freed lazily. */
      sessionRemoved: (context, event: { id: string }) => {
        if (!context.rows.delete(event.id)) return context;
        if (context.order.length > 2 * context.rows.size + 64) compact(context);
        return { ...context, version: context.version + 1 };
      },
      sessionChanged: (context, event: { id: string; patch: Partial<Omit<SessionView, 'id'>> }) => {
        const row = context.rows.get(event.id);
        if (!row) return context;
        context.rows.set(event.id, { ...row, ...event.patch });
        return { ...context, version: context.version + 1 };
      },
    },
  });
}

/** The store itself, which only the session index holds (`manager.dashboard` is `dashboardView.ts`). */
export type DashboardStore = ReturnType<typeof createDashboard>;

/** Every row in created order. */
export function listRows(context: DashboardContext): SessionView[] {
  const views: SessionView[] = [];
  for (const id of context.order) {
    const view = context.rows.get(id);
    if (view) views.push(view);
  }
  return views;
}
