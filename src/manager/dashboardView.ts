/**
 * `manager.dashboard`: the session index's store, read-only, with every
 * callback it runs guarded.
 *
 * ```ts
 * manager.dashboard.subscribe(() => render(manager.listSessions()));
 * manager.dashboard.select((ctx) => ctx.rows.get('a1')).subscribe((row) => show(row));
 * manager.dashboard.getSnapshot().context.version;
 * ```
 *
 * The rows are the manager's own index of sessions (which ids are taken,
 * what `listSessions` returns), so nothing outside may change them: the
 * view has no `send` and no `trigger`.
 *
 * The store calls its observers synchronously, in the middle of the
 * manager's bookkeeping. A subscriber, selector or inspector that throws
 * would abort that bookkeeping, or, thrown inside an actor's observer, kill
 * the process. Here each is guarded (`callbackGuard.ts`): its error becomes
 * a process warning and the manager carries on.
 */
import type {
  Observer,
  Readable,
  Selection,
  StoreInspectionEvent,
  StoreSnapshot,
  Subscription,
} from '@xstate/store';
import { guardCallback, nextOf } from '../ground/callbackGuard.js';
import { SessionError } from '../ground/errors.js';
import type { DashboardContext, DashboardStore } from './dashboardStore.js';

type Listener<T> = Observer<T> | ((value: T) => void);

export interface Dashboard extends Readable<StoreSnapshot<DashboardContext>> {
  /** The store's id, as XState and its inspectors know it. */
  readonly sessionId: string;
  getSnapshot(): StoreSnapshot<DashboardContext>;
  getInitialSnapshot(): StoreSnapshot<DashboardContext>;
  /** Called on every change of the rows; a throw is reported, not propagated. */
  subscribe(listener: Listener<StoreSnapshot<DashboardContext>>): Subscription;
  /** One derived value; its subscribers hear only when it changes (`equal`, default `Object.is`). */
  select<T>(
    selector: (context: DashboardContext) => T,
    equal?: (a: T, b: T) => boolean,
  ): Selection<T>;
  /** Every transition of the store, with its event (`sessionAdded`, `sessionChanged`, `sessionRemoved`). */
  inspect(listener: Listener<StoreInspectionEvent>): Subscription;
}

/** An observer whose `next` cannot throw into the store; a listener that is not one is refused. */
function guarded<T>(what: string, listener: Listener<T>): Observer<T> {
  const next = nextOf<T>(listener);
  if (next === undefined) {
    throw new SessionError(
      'invalid_option',
      `A dashboard ${what} is a function or an observer with a next function; got ${typeof listener}.`,
    );
  }
  return { next: guardCallback(`dashboard ${what}`, next) };
}

/** A `Selection` whose selector and subscribers cannot throw into the store (a failed selector keeps its last value). */
function guardedSelection<T>(
  store: DashboardStore,
  selector: (context: DashboardContext) => T,
  equal: ((a: T, b: T) => boolean) | undefined,
): Selection<T> {
  let last: T | undefined;
  const select = guardCallback('dashboard selector', (context: DashboardContext) => {
    last = selector(context);
  });
  const selection = store.select((context) => {
    select(context);
    return last as T;
  }, equal);
  return Object.create(selection, {
    subscribe: {
      value: (listener: Listener<T>) =>
        selection.subscribe(guarded('selection subscriber', listener)),
    },
  });
}

/** The read-only, guarded face of the index's store. */
export function dashboardView(store: DashboardStore): Dashboard {
  const view: Dashboard = {
    sessionId: store.sessionId,
    getSnapshot: () => store.getSnapshot(),
    getInitialSnapshot: () => store.getInitialSnapshot(),
    get: () => store.get(),
    subscribe: (listener: Listener<StoreSnapshot<DashboardContext>>) =>
      store.subscribe(guarded('subscriber', listener)),
    select: (selector, equal) => guardedSelection(store, selector, equal),
    inspect: (listener) => store.inspect(guarded('inspector', listener)),
    // Interop (`from(manager.dashboard)` in RxJS and the like): the view itself.
    [Symbol.observable ?? '@@observable']: () => view,
  } as Dashboard;
  return view;
}
