/**
 * `manager.dashboard`: the session index's store, read-only, with every
 * callback it runs guarded.
 *
 * ```ts
 * manager.dashboard.subscribe(({ context }) => render(listRows(context)));
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
 * the process. Here it cannot: its error becomes a process warning
 * (`XSTATE_OTP_CALLBACK`, see `process.on('warning')`; the first throw of
 * each callback only), the manager carries on, and the callback stays
 * subscribed (like a UI that fails one render and renders the next).
 */
import type {
  Observer,
  Readable,
  Selection,
  StoreInspectionEvent,
  StoreSnapshot,
  Subscription,
} from '@xstate/store';
import { errorMessage } from '../errorMessage.js';
import { SessionError } from '../errors.js';
import type { DashboardContext, DashboardStore } from './dashboardStore.js';

type Listener<T> = Observer<T> | ((value: T) => void);

export interface Dashboard extends Readable<StoreSnapshot<DashboardContext>> {
  getSnapshot(): StoreSnapshot<DashboardContext>;
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

export const CALLBACK_WARNING = 'XSTATE_OTP_CALLBACK';

/** Reports a callback's throws as a process warning: the first one only, so a broken callback cannot flood stderr. */
function reporter(what: string): (error: unknown) => void {
  let reported = false;
  return (error) => {
    if (reported) return;
    reported = true;
    process.emitWarning(
      `A dashboard ${what} threw: ${errorMessage(error)}. The session manager carries on; later throws of this ${what} are not reported again.`,
      { code: CALLBACK_WARNING, detail: error instanceof Error ? error.stack : undefined },
    );
  };
}

function guarded<T>(what: string, listener: Listener<T>): Observer<T> {
  const next =
    typeof listener === 'function'
      ? listener
      : typeof listener?.next === 'function'
        ? listener.next.bind(listener)
        : undefined;
  if (next === undefined) {
    throw new SessionError(
      'invalid_option',
      `A dashboard ${what} is a function or an observer with a next function; got ${typeof listener}.`,
    );
  }
  const report = reporter(what);
  return {
    next: (value) => {
      try {
        next(value);
      } catch (error) {
        report(error);
      }
    },
  };
}

/** A `Selection` whose selector and subscribers report their throws instead of propagating them. */
function guardedSelection<T>(
  store: DashboardStore,
  selector: (context: DashboardContext) => T,
  equal: ((a: T, b: T) => boolean) | undefined,
): Selection<T> {
  let last: T | undefined;
  const report = reporter('selector');
  const selection = store.select((context) => {
    try {
      last = selector(context);
    } catch (error) {
      report(error);
    }
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
  return {
    getSnapshot: () => store.getSnapshot(),
    get: () => store.get(),
    subscribe: (listener: Listener<StoreSnapshot<DashboardContext>>) =>
      store.subscribe(guarded('subscriber', listener)),
    select: (selector, equal) => guardedSelection(store, selector, equal),
    inspect: (listener) => store.inspect(guarded('inspector', listener)),
  } as Dashboard;
}
