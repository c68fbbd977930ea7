/**
 * Sample machines for the inspection tests: one per statechart feature that
 * `toMermaid` has to draw, plus a small actor system (a parent invoking a
 * child machine that invokes a callback actor, and spawning a promise) for the
 * inspection-event tests.
 */
import {
  type AnyActorRef,
  type AnyStateMachine,
  and,
  assign,
  createMachine,
  fromCallback,
  fromPromise,
  not,
  or,
  sendTo,
  setup,
  stateIn,
} from 'xstate';

/** Small enough to assert its diagram line by line. */
export const trafficLight = setup({
  guards: { isNight: () => false },
}).createMachine({
  id: 'light',
  initial: 'green',
  states: {
    green: { on: { TIMER: 'yellow' } },
    yellow: { after: { 500: 'red' } },
    red: {
      on: {
        TIMER: { target: 'green', guard: 'isNight' },
        POWER_OFF: 'off',
        PING: { actions: () => {} },
      },
    },
    off: { type: 'final' },
  },
});

export const compound = createMachine({
  id: 'editor',
  initial: 'closed',
  on: { RESET: '.closed' },
  states: {
    closed: { on: { OPEN: 'open' } },
    open: {
      initial: 'viewing',
      states: {
        viewing: { on: { EDIT: 'editing' } },
        editing: {
          initial: 'clean',
          states: { clean: { on: { TYPE: 'dirty' } }, dirty: { on: { SAVE: 'clean' } } },
          on: { CANCEL: 'viewing' },
        },
        hist: { type: 'history', history: 'deep' },
      },
      on: { CLOSE: 'closed', REOPEN: '.hist' },
    },
  },
});

export const parallel = createMachine({
  id: 'player',
  type: 'parallel',
  states: {
    playback: {
      initial: 'paused',
      states: { paused: { on: { PLAY: 'playing' } }, playing: { on: { PAUSE: 'paused' } } },
    },
    volume: {
      initial: 'normal',
      states: {
        normal: { on: { MUTE: 'muted', EJECT: '#player.playback.paused' } },
        muted: { on: { UNMUTE: 'normal' } },
      },
    },
    ended: { type: 'final' },
  },
});

export const guarded = setup({
  guards: { isAdmin: () => true, isOwner: () => false, isLocked: () => false },
}).createMachine({
  id: 'door',
  initial: 'closed',
  states: {
    closed: {
      on: {
        OPEN: [
          { target: 'open', guard: 'isAdmin' },
          { target: 'open', guard: { type: 'isOwner', params: { strict: true } } },
          { target: 'open', guard: ({ event }) => event.type === 'OPEN' },
          { target: 'open', guard: and(['isAdmin', not('isLocked')]) },
          { target: 'open', guard: or(['isOwner', stateIn('#door.open')]) },
        ],
      },
      always: { target: 'open', guard: 'isOwner' },
    },
    open: { on: { '*': 'closed' } },
  },
});

export const delayed = setup({
  delays: { patience: 3000 },
}).createMachine({
  id: 'timer',
  initial: 'waiting',
  states: {
    waiting: {
      after: { 5000: 'late', patience: { target: 'bored', guard: () => true } },
      always: { target: 'late', guard: () => false },
    },
    late: { type: 'final' },
    bored: { type: 'final' },
  },
});

export const invoking = setup({
  actors: { fetchUser: fromPromise(async () => ({ name: 'Ada' })) },
}).createMachine({
  id: 'profile',
  initial: 'loading',
  states: {
    loading: {
      invoke: [
        { id: 'fetchUser', src: 'fetchUser', onDone: 'ready', onError: 'failed' },
        { src: fromPromise(async () => 1), onDone: { target: 'ready' }, onSnapshot: 'loading' },
      ],
    },
    ready: { type: 'final' },
    failed: { on: { RETRY: 'loading' } },
  },
});

/** Keys and event types chosen to break a naive generator. */
export const awkward = createMachine({
  id: 'state',
  initial: 'default',
  states: {
    default: {
      on: {
        'go;now': 'note',
        'a%%b': 'x-y',
        '"quoted" <b>&': 'with space',
        'user.#tag': 'note',
      },
    },
    note: { initial: 'start', states: { start: {}, end: { type: 'final' } } },
    'x-y': {},
    x_y: {},
    'with space': { on: { '*': '1' } },
    '1': {},
    root: {},
  },
});

export const sampleMachines: Record<string, AnyStateMachine> = {
  trafficLight,
  compound,
  parallel,
  guarded,
  delayed,
  invoking,
  awkward,
};

// --- a small actor system ---------------------------------------------------

export const grandchildLogic = fromCallback(() => () => {});

export const childMachine = setup({
  actors: { ticker: grandchildLogic },
}).createMachine({
  id: 'child',
  initial: 'working',
  invoke: { id: 'ticker', src: 'ticker' },
  states: {
    working: { on: { FINISH: 'done' } },
    done: { type: 'final' },
  },
});

export const parentMachine = setup({
  types: {} as { context: { result: number; job: AnyActorRef | undefined } },
  actors: {
    child: childMachine,
    lookup: fromPromise(async ({ input }: { input: number }) => input * 2),
  },
}).createMachine({
  id: 'parent',
  context: { result: 0, job: undefined },
  initial: 'running',
  states: {
    running: {
      entry: assign({ job: ({ spawn }) => spawn('lookup', { id: 'lookup', input: 21 }) }),
      invoke: { id: 'child', src: 'child', systemId: 'child-worker', onDone: 'finished' },
      on: {
        'xstate.done.actor.lookup': {
          actions: assign({
            result: ({ event }) => (event as unknown as { output: number }).output,
          }),
        },
        FINISH: { actions: sendTo('child', { type: 'FINISH' }) },
      },
    },
    finished: { type: 'final' },
  },
});
