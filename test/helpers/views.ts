/**
 * Waiting on what a session manager shows, driven by its dashboard (no
 * polling): each change of the session list checks the condition again.
 *
 * ```ts
 * const view = await viewWhen(manager, 'a-1', (v) => v?.state === 'running');
 * const at = await viewsWhen(manager, ['a', 'b'], (v) => v?.outcome !== undefined);
 * ```
 *
 * The timeout is a failure bound, not a delay: the promise rejects, naming
 * each session's state, when the condition is not met in time.
 */
import type { SessionManager, SessionView } from '../../src/index.js';

/**
 * Resolves with the time (performance.now()) at which every one of `ids`
 * satisfies `predicate` on `manager`; rejects after `timeoutMs`.
 */
export function viewsWhen(
  manager: SessionManager,
  ids: readonly string[],
  predicate: (view: SessionView | undefined) => boolean,
  timeoutMs = 10_000,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ids.every((id) => predicate(manager.getSession(id)))) return;
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(performance.now());
    };
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      const states = ids.map((id) => [id, manager.getSession(id)?.state]);
      reject(new Error(`${manager.hostId}: not met in ${timeoutMs} ms: ${JSON.stringify(states)}`));
    }, timeoutMs);
    const subscription = manager.dashboard.subscribe(check);
    check();
  });
}

/** Resolves with `id`'s view once it satisfies `predicate` on `manager`; rejects after `timeoutMs`. */
export async function viewWhen(
  manager: SessionManager,
  id: string,
  predicate: (view: SessionView | undefined) => boolean,
  timeoutMs = 5000,
): Promise<SessionView | undefined> {
  let seen: SessionView | undefined;
  const matches = (view: SessionView | undefined) => {
    if (!predicate(view)) return false;
    seen = view;
    return true;
  };
  await viewsWhen(manager, [id], matches, timeoutMs);
  return seen;
}
