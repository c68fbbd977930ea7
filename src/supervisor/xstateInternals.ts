/**
 * The one place that reaches into XState internals.
 *
 * Supervised children are created with `createActor(logic, { parent })`
 * rather than `spawnChild`, because XState copies a machine's whole
 * `children` object on every spawn and stop: O(n) per operation, which a
 * session manager with 100k sessions cannot afford. Such children report
 * `xstate.done.actor.*` / `xstate.error.actor.*` to their parent like any
 * other, but only their parent may stop them, and XState's public `stop()`
 * refuses non-root actors. `_stop()` is what XState's own `stopChild` runs.
 */
import type { AnyActorRef, AnyStateMachine } from 'xstate';

export function forceStop(ref: AnyActorRef): void {
  (ref as unknown as { _stop(): void })._stop();
}

export function isAlive(ref: AnyActorRef | undefined): ref is AnyActorRef {
  return ref !== undefined && ref.getSnapshot()?.status === 'active';
}

/**
 * Stops what an ended child left running. XState stops a machine's children
 * when it completes or a child's error goes unhandled, but not when the
 * machine's own action, guard or context throws: those children stay active
 * and their cleanups never run (xstate-facts §4).
 */
export function reapOrphans(ref: AnyActorRef): void {
  const children = (ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> })
    .children;
  if (!children) return;
  for (const child of Object.values(children)) {
    if (isAlive(child)) forceStop(child);
  }
}

interface WithChildTable {
  context?: { children?: Map<string, { ref: AnyActorRef | undefined }> };
}

function stopTable(snapshot: WithChildTable | undefined): void {
  const children = snapshot?.context?.children;
  if (!(children instanceof Map)) return;
  for (const id of [...children.keys()].reverse()) {
    const ref = children.get(id)?.ref;
    if (isAlive(ref)) forceStop(ref);
  }
}

/**
 * Makes a supervisor machine stop the children of its table, in reverse
 * start order, whenever XState stops it (`xstate.stop` reaches every
 * machine's `transition`) and whenever one of its transitions throws (where
 * XState would leave them running, xstate-facts §4). XState stops a machine's
 * own `children` itself; ours are not among them (see `forceStop`).
 */
export function stopsChildrenWithIt<T extends AnyStateMachine>(machine: T): T {
  const transition = machine.transition.bind(machine);
  machine.transition = ((snapshot, event, scope) => {
    if (event.type === 'xstate.stop') stopTable(snapshot as WithChildTable);
    try {
      return transition(snapshot, event, scope);
    } catch (error) {
      stopTable(snapshot as WithChildTable);
      throw error;
    }
  }) as T['transition'];
  return machine;
}
