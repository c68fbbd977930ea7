/**
 * Terminating a session that runs on another host, and waiting for its end
 * however long its shutdown takes, as a local `terminateSession` does (OTP's
 * `terminate_child` waits for the child's end too).
 *
 * ```ts
 * const terminations = remoteTerminations(store);
 * const record = await terminations.terminate('worker-2', 'fix-42', 'stuck');
 * terminations.giveUp(); // the manager stops: pending calls reject SessionError('stopped')
 * ```
 *
 * The owner answers once the session has ended. An answer that does not
 * come within the store's request timeout is asked for again (terminating
 * twice is harmless, and a lost request is not waited on for ever).
 * Meanwhile the change feed may bring the terminal record first: the
 * owner's, or `interrupted` from a sweep when the owner died. An owner that
 * no longer has the session live has ended it, or has died: the record is
 * in the store already, or comes through the feed.
 */
import { SessionError } from '../ground/errors.js';
import { type TerminalRecord, terminalRecordOf } from '../ground/outcome.js';
import type { SessionStore } from './store.js';

/** The terminal record of `sessionId` once the store reports it from outside (cluster mode). */
function terminalFromFeed(
  store: SessionStore,
  sessionId: string,
): { ended: Promise<TerminalRecord>; stop(): void } {
  let stop = () => {};
  const ended = new Promise<TerminalRecord>((resolve) => {
    stop = store.watch((event) => {
      if (event.type === 'session' && event.summary.sessionId === sessionId) {
        const terminal = event.summary.terminal;
        if (terminal) resolve(terminalRecordOf(terminal));
      }
    });
  });
  return { ended, stop };
}

export function remoteTerminations(store: SessionStore) {
  // Terminations still waiting for their session's end: `giveUp` ends them.
  const waiting = new Set<() => void>();

  return {
    async terminate(hostId: string, sessionId: string, reason: string): Promise<TerminalRecord> {
      // Subscribed before asking or reading, so an end that lands meanwhile is not missed.
      const feed = terminalFromFeed(store, sessionId);
      let giveUp = () => {};
      const stopped = new Promise<never>((_, reject) => {
        giveUp = () =>
          reject(
            new SessionError(
              'stopped',
              `The session manager stopped before session "${sessionId}" ended on host ${hostId}; its end is recorded there.`,
              { sessionId },
            ),
          );
      });
      waiting.add(giveUp);
      const noAnswer = async (error: unknown): Promise<TerminalRecord | undefined> => {
        const code = (error as { code?: unknown })?.code;
        if (code !== 'timeout' && code !== 'not_found') throw error;
        const summary = await store.read(sessionId);
        if (summary?.terminal) return terminalRecordOf(summary.terminal);
        if (code === 'timeout') return undefined; // ask again
        if (summary === undefined) throw error;
        return feed.ended;
      };
      try {
        for (;;) {
          const answer = store
            .request(hostId, { type: 'terminate', sessionId, reason })
            .then((record) => record as TerminalRecord, noAnswer);
          const record = await Promise.race([answer, feed.ended, stopped]);
          if (record) return record;
        }
      } finally {
        waiting.delete(giveUp);
        feed.stop();
      }
    },

    /** Every pending `terminate` rejects with `SessionError('stopped')`. */
    giveUp(): void {
      for (const giveUp of waiting) giveUp();
      waiting.clear();
    },
  };
}
