/**
 * Timers that fire together: callbacks due within the same 10 ms slot share
 * one real timer and run back to back.
 *
 * Fifty processes shut down together get their SIGKILLs in one go, instead
 * of fifty timer callbacks interleaved with the exit handling and `/proc`
 * scans the first kills cause (which under load spreads the last SIGKILL far
 * past its deadline). A callback may run up to one slot late, never early.
 *
 * ```ts
 * const cancel = runAfter(5000, () => process.kill(-pid, 'SIGKILL'));
 * cancel(); // once the tree is gone
 * ```
 */

const SLOT_MS = 10;

interface Slot {
  timer: NodeJS.Timeout;
  callbacks: Set<() => void>;
}

const slots = new Map<number, Slot>();

/** Runs `callback` after at least `ms` milliseconds; returns a function that cancels it. */
export function runAfter(ms: number, callback: () => void): () => void {
  const due = Math.ceil((Date.now() + ms) / SLOT_MS) * SLOT_MS;
  let slot = slots.get(due);
  if (!slot) {
    const callbacks = new Set<() => void>();
    const timer = setTimeout(
      () => {
        slots.delete(due);
        for (const run of callbacks) {
          try {
            run();
          } catch (error) {
            // One failing callback must not cost the others their turn.
            queueMicrotask(() => {
              throw error;
            });
          }
        }
      },
      Math.max(0, due - Date.now()),
    );
    slot = { timer, callbacks };
    slots.set(due, slot);
  }
  const entry = () => callback();
  slot.callbacks.add(entry);
  const owner = slot;
  return () => {
    owner.callbacks.delete(entry);
    if (owner.callbacks.size === 0 && slots.get(due) === owner) {
      clearTimeout(owner.timer);
      slots.delete(due);
    }
  };
}
