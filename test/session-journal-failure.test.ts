import { describe, expect, test } from 'vitest';
import {
  createMemoryJournal,
  createSessionManager,
  type Journal,
  JournalError,
  type SessionSpec,
} from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

/** A journal on a disk that fills up: every append after `room` records fails like ENOSPC. */
function fillingJournal(room: number) {
  const inner = createMemoryJournal();
  let written = 0;
  const journal: Journal = {
    open: () => inner.open(),
    close: () => inner.close(),
    append: (record) => {
      if (written >= room) {
        return Promise.reject(
          new JournalError('io', 'Could not write the journal: ENOSPC: no space left on device'),
        );
      }
      written += 1;
      return inner.append(record);
    },
  };
  return { journal, inner };
}

const quickSession = (id: string): SessionSpec => ({
  id,
  autoShutdown: 'any_significant',
  children: workerSpecs(['agent'], [], { restart: 'transient', significant: true }),
});

describe('a journal that cannot be written', () => {
  test('done rejects io, the view says the outcome is unrecorded, and no new session is accepted', async () => {
    // Room for `created` and `started`, not for `terminal`.
    const { journal, inner } = fillingJournal(2);
    const manager = await createSessionManager({ journal });
    const session = manager.createSession(quickSession('a'));
    await manager.send('a', 'agent', { type: 'FINISH' });
    await expect(session.done).rejects.toMatchObject({ name: 'JournalError', code: 'io' });
    expect(manager.getSession('a')).toMatchObject({
      state: 'completed',
      unrecorded: expect.stringMatching(/ENOSPC/),
    });
    expect(() => manager.createSession(quickSession('b'))).toThrow(
      expect.objectContaining({ name: 'JournalError', code: 'io' }),
    );
    // The id whose record was lost is not reusable either.
    expect(() => manager.createSession(quickSession('a'))).toThrow(JournalError);
    expect(inner.records().filter((r) => r.type === 'terminal')).toEqual([]);
    expect(manager.listSessions().map((view) => view.id)).toEqual(['a']);
    await manager.stop();
  });
});
