/**
 * `terminateSession`: cancels a live session wherever it runs, or answers
 * with the record of one that already ended.
 *
 * ```ts
 * const terminate = createTermination({ index, routing, store, cancelLocal });
 * await terminate('fix-bug-42', 'user asked');   // its terminal record, 'cancelled'
 * await terminate('fix-bug-42');                 // the same record again
 * ```
 *
 * In order: a session of this host is cancelled (or is settling its
 * record); an ended session in memory answers from its view; a session of
 * another host is asked through the store; a retired one is read back from
 * storage. None of them: `SessionError('not_found')`.
 */
import { definedFields } from '../ground/defined.js';
import { SessionError } from '../ground/errors.js';
import { type TerminalRecord, terminalRecordOf } from '../ground/outcome.js';
import { checkSessionId } from '../ground/sessionId.js';
import { shown } from '../ground/shown.js';
import type { SessionView } from '../session/view.js';
import type { Routing } from './routing.js';
import type { SessionIndex } from './sessionIndex.js';
import type { SessionStore } from './store.js';

export function createTermination(deps: {
  index: SessionIndex;
  routing: Routing;
  store: SessionStore;
  cancelLocal(id: string, reason: string): Promise<TerminalRecord> | undefined;
}) {
  const { index, routing, store, cancelLocal } = deps;
  return async (id: string, reason?: string): Promise<TerminalRecord> => {
    checkSessionId(id);
    if (reason !== undefined && typeof reason !== 'string') {
      throw new SessionError(
        'invalid_option',
        `terminateSession: reason must be a string; got ${shown(reason)}.`,
        { sessionId: id },
      );
    }
    const done = cancelLocal(id, reason ?? 'terminated') ?? index.settling(id)?.done;
    if (done) return done;
    const view = index.view(id);
    if (view?.outcome !== undefined) return terminalOfView(view);
    const remote = await routing.terminateRemote(id, reason ?? 'terminated');
    if (remote) return remote;
    const summary = await store.read(id);
    if (summary?.terminal) return terminalRecordOf(summary.terminal);
    throw new SessionError('not_found', `No session "${id}".`, { sessionId: id });
  };
}

function terminalOfView(view: SessionView): TerminalRecord {
  return {
    sessionId: view.id,
    outcome: view.outcome!,
    ...definedFields({ reason: view.reason }),
    createdAt: view.createdAt,
    endedAt: view.endedAt ?? view.createdAt,
    restarts: view.restarts,
    ...definedFields({ host: view.host }),
    ...definedFields({ metadata: view.metadata }),
  };
}
