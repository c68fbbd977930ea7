import { describe, expect, test } from 'vitest';
import { createMemoryJournal, createSessionManager } from '../src/index.js';
import { workerSpecs } from './helpers/workers.js';

describe('an interrupted session keeps the restarts it had', () => {
  test('restart counts are journaled as they happen; reconciliation records the last one', async () => {
    const journal = createMemoryJournal();
    const manager = await createSessionManager({ journal, hostId: 'h1' });
    manager.createSession({ id: 'flaky', intensity: 5, children: workerSpecs(['agent'], []) });
    manager.getChild('flaky', 'agent')!.send({ type: 'CRASH' });
    manager.getChild('flaky', 'agent')!.send({ type: 'CRASH' });
    expect(manager.getSession('flaky')!.restarts).toBe(2);
    expect(journal.records().filter((r) => r.type === 'restarts')).toMatchObject([
      { sessionId: 'flaky', restarts: 1 },
      { sessionId: 'flaky', restarts: 2 },
    ]);

    // The host dies: what it wrote is all the next one sees.
    const revived = createMemoryJournal(journal.records());
    const next = await createSessionManager({ journal: revived, hostId: 'h1' });
    expect(next.getSession('flaky')).toMatchObject({ state: 'interrupted', restarts: 2 });
    const terminal = revived.records().filter((r) => r.type === 'terminal');
    expect(terminal).toMatchObject([
      { sessionId: 'flaky', outcome: 'interrupted', restarts: 2, host: 'h1' },
    ]);
    await next.stop();
    await manager.stop();
  });
});
