/**
 * The child logic every scenario uses, identical for our runtime and for the
 * bare XState baseline, so the ratio shows the runtime's cost and nothing else.
 */
import { assign, createMachine } from 'xstate';

/** Waits until told to finish: a session's significant child. */
export const finishingChild = createMachine({
  id: 'finishing',
  initial: 'working',
  states: {
    working: { on: { finish: 'done' } },
    done: { type: 'final' },
  },
});

/** Never ends on its own: an idle session's child. */
export const idleChild = createMachine({ id: 'idle', initial: 'idle', states: { idle: {} } });

/** Counts pings: a send that changes context, as a real agent's events do. */
export const pingChild = createMachine({
  id: 'ping',
  context: { pings: 0 },
  initial: 'ready',
  states: {
    ready: { on: { ping: { actions: assign({ pings: ({ context }) => context.pings + 1 }) } } },
  },
});

/** Crashes when told to: its action throws, so the actor errors and its parent is told. */
export const crashingChild = createMachine({
  id: 'crashing',
  initial: 'running',
  states: {
    running: {
      on: {
        crash: {
          actions: () => {
            throw new Error('crash');
          },
        },
      },
    },
  },
});

/** The bare baseline's parent: invokes one child and ends when it does. */
export function bareParent(child) {
  return createMachine({
    id: 'parent',
    initial: 'running',
    states: {
      running: { invoke: { id: 'work', src: child, onDone: 'done' } },
      done: { type: 'final' },
    },
  });
}

/** A session spec with one child; `significant` makes the session complete when it does. */
export function sessionSpec(child, { significant = false, input } = {}) {
  return significant
    ? {
        autoShutdown: 'any_significant',
        children: [{ id: 'work', logic: child, input, restart: 'transient', significant: true }],
      }
    : { children: [{ id: 'work', logic: child, input }] };
}

/** Durable session types: `ping`, one machine child (`work`, a `pingChild`), checkpointed. */
export const durableTypes = { ping: () => ({ children: [{ id: 'work', logic: pingChild }] }) };
