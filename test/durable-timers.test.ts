/**
 * `after` timers of a resumed durable session: XState persists no delayed
 * event, so a machine child restored in a state with `after` has its timers
 * armed again, each from its full delay, on the resuming manager's clock.
 * Leaving the state before then cancels them. The host "dies" here as in
 * the other in-process resume tests: the next manager opens a copy of what
 * the first one had written, while the first one still runs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assign, SimulatedClock, setup } from 'xstate';
import {
  createMemoryJournal,
  createSessionManager,
  type MemoryJournal,
  type SessionManager,
  type SessionType,
} from '../src/index.js';

/**
 * An agent that waits: 5000 ms in `waiting`; `patience` (3000 ms, a named
 * delay) in `asking`; in the parallel `both`, 1000 ms in the nested
 * `left.a`, `context.waitMs` in `right.x`, and 10 s for the whole.
 */
const waitingAgent = setup({
  types: {
    context: {} as { waitMs: number },
    input: {} as { waitMs: number },
    events: {} as
      | { type: 'WAIT' }
      | { type: 'ASK' }
      | { type: 'BOTH' }
      | { type: 'ANSWER' }
      | { type: 'SET_WAIT'; ms: number }
      | { type: 'FINISH' },
  },
  delays: {
    patience: 3000,
    waitFromContext: ({ context }) => context.waitMs,
  },
}).createMachine({
  id: 'agent',
  context: ({ input }) => ({ waitMs: input.waitMs }),
  initial: 'idle',
  on: { SET_WAIT: { actions: assign({ waitMs: ({ event }) => event.ms }) } },
  states: {
    idle: { on: { WAIT: 'waiting', ASK: 'asking', BOTH: 'both' } },
    waiting: { after: { 5000: 'timedOut' }, on: { ANSWER: 'answered' } },
    asking: { after: { patience: 'timedOut' }, on: { ANSWER: 'answered' } },
    both: {
      type: 'parallel',
      after: { 10000: 'timedOut' },
      states: {
        left: { initial: 'a', states: { a: { after: { 1000: 'b' } }, b: {} } },
        right: { initial: 'x', states: { x: { after: { waitFromContext: 'y' } }, y: {} } },
      },
    },
    answered: { on: { WAIT: 'waiting', FINISH: 'done' } },
    timedOut: { on: { FINISH: 'done' } },
    done: { type: 'final' },
  },
});

const sessionTypes: Record<string, SessionType> = {
  waiting: (input: { waitMs: number }) => ({
    autoShutdown: 'any_significant',
    children: [
      { id: 'agent', logic: waitingAgent, input, restart: 'transient', significant: true },
    ],
  }),
};

const managers: SessionManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
});

async function open(journal: MemoryJournal, clock: SimulatedClock, hostId: string) {
  const manager = await createSessionManager({ journal, clock, hostId, sessionTypes });
  managers.push(manager);
  return manager;
}

/**
 * A session of the first host, taken to its state by `events` (each
 * acknowledged, so durable), then the first host's death: the second host
 * opens what the first had written, at `resumeAt` on its own clock.
 */
async function resumedAfterDeath(events: object[], resumeAt: number) {
  const journal = createMemoryJournal();
  const firstClock = new SimulatedClock();
  const first = await open(journal, firstClock, 'one');
  first.createSession({ id: 'w1', type: 'waiting', input: { waitMs: 7000 } });
  for (const event of events) await first.send('w1', 'agent', event as never);
  // It sat in its state for a while before it died: the resumed timer still starts over.
  firstClock.increment(4000);
  const revived = createMemoryJournal(journal.records());
  const clock = new SimulatedClock();
  clock.set(resumeAt);
  const second = await open(revived, clock, 'two');
  expect(second.getSession('w1')).toMatchObject({ state: 'running', attempt: 2 });
  const value = () => second.getChild('w1', 'agent')!.getSnapshot().value;
  return { journal: revived, clock, second, value };
}

const checkpointedValues = async (manager: SessionManager, id: string) =>
  (await manager.records(id))
    .filter((r) => r.type === 'checkpoint')
    .map((r) => (r as { snapshot: { value: unknown } }).snapshot.value);

describe('a resumed durable session’s `after` timers', () => {
  it('start over from their full delay on the resuming host’s clock: 5000 ms after the resume, not before', async () => {
    const { clock, second, value } = await resumedAfterDeath([{ type: 'WAIT' }], 100_000);
    expect(value()).toBe('waiting');
    clock.increment(4999);
    expect(value()).toBe('waiting');
    clock.increment(1);
    expect(value()).toBe('timedOut');
    // The state the timer reached is checkpointed like any other.
    await vi.waitFor(
      async () => expect((await checkpointedValues(second, 'w1')).at(-1)).toBe('timedOut'),
      { timeout: 5000, interval: 5 },
    );
    await second.send('w1', 'agent', { type: 'FINISH' });
    await vi.waitFor(() => expect(second.getSession('w1')?.outcome).toBe('completed'), {
      timeout: 5000,
      interval: 5,
    });
  });

  it('are cancelled when the state is left first; entering it again arms its own timer', async () => {
    const { clock, second, value } = await resumedAfterDeath([{ type: 'WAIT' }], 0);
    clock.increment(4000);
    await second.send('w1', 'agent', { type: 'ANSWER' });
    expect(value()).toBe('answered');
    await second.send('w1', 'agent', { type: 'WAIT' }); // at 4000: its own timer fires at 9000
    clock.increment(1000); // 5000: the resumed timer, had it not been cancelled, would fire now
    expect(value()).toBe('waiting');
    clock.increment(3999);
    expect(value()).toBe('waiting');
    clock.increment(1);
    expect(value()).toBe('timedOut');
  });

  it('resolve a named delay as XState does (setup({ delays }))', async () => {
    const { clock, value } = await resumedAfterDeath([{ type: 'ASK' }], 0);
    expect(value()).toBe('asking');
    clock.increment(2999);
    expect(value()).toBe('asking');
    clock.increment(1);
    expect(value()).toBe('timedOut');
  });

  it('run in every active state node: parallel regions, nested states, a delay from the restored context', async () => {
    const { clock, value } = await resumedAfterDeath(
      [{ type: 'SET_WAIT', ms: 6000 }, { type: 'BOTH' }],
      0,
    );
    expect(value()).toEqual({ both: { left: 'a', right: 'x' } });
    clock.increment(999);
    expect(value()).toEqual({ both: { left: 'a', right: 'x' } });
    clock.increment(1);
    expect(value()).toEqual({ both: { left: 'b', right: 'x' } });
    clock.increment(4999);
    expect(value()).toEqual({ both: { left: 'b', right: 'x' } });
    clock.increment(1); // 6000, the context's waitMs as checkpointed (not the input's 7000)
    expect(value()).toEqual({ both: { left: 'b', right: 'y' } });
    clock.increment(3999);
    expect(value()).toEqual({ both: { left: 'b', right: 'y' } });
    clock.increment(1);
    expect(value()).toBe('timedOut');
  });
});
