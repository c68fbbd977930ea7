import { describe, expect, test } from 'vitest';
import { createMemoryJournal, createSessionManager, type SessionSpec } from '../src/index.js';
import { trappingWorker, workerSpecs } from './helpers/workers.js';

type Action = 'finish' | 'terminate' | 'stop';

const permutations = (items: Action[]): Action[][] =>
  items.length <= 1
    ? [items]
    : items.flatMap((item, i) =>
        permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
      );

const expectedOutcome = { finish: 'completed', terminate: 'cancelled', stop: 'cancelled' } as const;

function spec(id: string, trapping: boolean): SessionSpec {
  return {
    id,
    autoShutdown: 'any_significant',
    children: trapping
      ? [
          {
            id: 'agent',
            logic: trappingWorker,
            input: { name: id, log: [], cleanupMs: 1 },
            restart: 'transient',
            significant: true,
          },
        ]
      : workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
  };
}

describe('once-only terminal records', () => {
  // Every order of (completion, terminate, stop), with and without a
  // microtask between steps, with children that do and do not trap exits.
  const cases = permutations(['finish', 'terminate', 'stop']).flatMap((order) =>
    [false, true].flatMap((yieldBetween) =>
      [false, true].map((trapping) => ({ order, yieldBetween, trapping })),
    ),
  );

  test.each(cases)(
    '$order (yield: $yieldBetween, trapping: $trapping)',
    async ({ order, yieldBetween, trapping }) => {
      const journal = createMemoryJournal();
      const manager = await createSessionManager({ journal });
      const sessions = Array.from({ length: 5 }, (_, i) =>
        manager.createSession(spec(`s${i}`, trapping)),
      );
      let doneCalls = 0;
      for (const session of sessions) session.done.then(() => doneCalls++);
      const terminations: Promise<unknown>[] = [];
      let stopped: Promise<void> | undefined;
      for (const action of order) {
        for (const session of sessions) {
          if (action === 'finish') manager.getChild(session.id, 'agent')?.send({ type: 'FINISH' });
          if (action === 'terminate')
            terminations.push(manager.terminateSession(session.id, 'raced'));
        }
        if (action === 'stop') stopped = manager.stop();
        if (yieldBetween) await Promise.resolve();
      }
      await stopped;
      const records = await Promise.all(sessions.map((s) => s.done));
      await Promise.all(terminations);
      expect(records.map((r) => r.outcome)).toEqual(sessions.map(() => expectedOutcome[order[0]!]));
      const terminal = journal.records().filter((r) => r.type === 'terminal');
      expect(terminal.map((r) => r.sessionId).sort()).toEqual(sessions.map((s) => s.id));
      expect(doneCalls).toBe(5);
      for (const t of await Promise.all(terminations)) expect(records).toContain(t);
    },
  );
});
