import { describe, expect, test } from 'vitest';
import { createMemoryJournal, createSessionManager, SessionError } from '../src/index.js';

describe('createSessionManager options: typed errors before anything opens', () => {
  test.each([
    ['journal: 42', { journal: 42 }, /journal must be a path or a Journal/],
    ['journal: {}', { journal: {} }, /journal must be a path or a Journal/],
    ['journal: ""', { journal: '' }, /journal must be a non-empty path/],
    ['timeoutMs: "x"', { timeoutMs: 'x' }, /timeoutMs must be a finite number/],
    ['timeoutMs: 0', { timeoutMs: 0 }, /timeoutMs must be a finite number/],
    ['retainEnded: -1', { retainEnded: -1 }, /retainEnded must be an integer >= 0/],
    ['retainEnded: 1.5', { retainEnded: 1.5 }, /retainEnded must be an integer >= 0/],
    ['maxSessions: -1', { maxSessions: -1 }, /maxSessions must be an integer >= 0/],
    ['hostId: "a b"', { hostId: 'a b' }, /hostId must be/],
    ['cluster: 1', { cluster: 1 }, /cluster must be a cluster store/],
    ['clock: {}', { clock: {} }, /clock must be a clock/],
    ['options: 5', 5, /options must be an object/],
  ])('%s rejects with invalid_option', async (_, options, message) => {
    const failure = createSessionManager(options as never);
    await expect(failure).rejects.toBeInstanceOf(SessionError);
    await expect(failure).rejects.toMatchObject({ code: 'invalid_option', message });
  });

  test('journal together with cluster is invalid_option, and the journal is not opened', async () => {
    const journal = createMemoryJournal();
    const cluster = { open: () => Promise.reject(new Error('must not be opened')) };
    await expect(
      createSessionManager({ journal, cluster: cluster as never }),
    ).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringMatching(/cannot be combined with cluster/),
    });
    expect(journal.isOpen).toBe(false);
  });

  test('a valid default timeoutMs still works', async () => {
    const manager = await createSessionManager({ timeoutMs: 1000, retainEnded: 0, maxSessions: 3 });
    expect(manager.timeoutMs).toBe(1000);
    await manager.stop();
  });
});
