/**
 * Whether a session may start: the manager still runs, its storage still
 * writes, the spec is sound, its id was never used, and there is room.
 *
 * ```ts
 * const admission = createAdmission({ index, recorder, maxSessions, defaults });
 * const checked = admission.admit(spec); // throws SessionError, SupervisorError or JournalError
 * admission.close();                     // stop(): no session is admitted any more
 * ```
 *
 * Every refusal throws before anything is written or started, with the
 * error's `code`: `stopped`, `io` (a journal that could not be written),
 * `invalid_id`, `invalid_spec`, `duplicate_id`, `max_children`.
 */
import { definedFields } from '../ground/defined.js';
import { JournalError, SessionError, SupervisorError } from '../ground/errors.js';
import type { Recorder } from './recorder.js';
import type { SessionIndex } from './sessionIndex.js';
import {
  type CheckedSessionSpec,
  checkSessionSpec,
  type SessionSpec,
  type SpecDefaults,
} from './sessionSpec.js';

export interface Admission {
  admit(spec: SessionSpec): CheckedSessionSpec;
  close(): void;
}

export function createAdmission(deps: {
  index: SessionIndex;
  recorder: Recorder;
  maxSessions: number;
  defaults: SpecDefaults;
}): Admission {
  const { index, recorder, maxSessions, defaults } = deps;
  let closed = false;
  return {
    admit(spec) {
      if (closed) {
        throw new SessionError(
          'stopped',
          'The session manager has been stopped; create a new one to start sessions.',
        );
      }
      const { failure } = recorder;
      if (failure) {
        throw new JournalError(
          'io',
          `The journal could not be written (${failure.message}); this manager accepts no more sessions. Fix the storage, then stop() it and create a new manager.`,
          { cause: failure, ...definedFields({ path: failure.path }) },
        );
      }
      const checked = checkSessionSpec(spec, defaults);
      const { id } = checked;
      if (index.isUsed(id)) {
        throw new SessionError(
          'duplicate_id',
          `A session "${id}" already exists${index.live(id) ? '' : ' in the journal'}; session ids are never reused.`,
          { sessionId: id },
        );
      }
      if (index.liveCount >= maxSessions) {
        throw new SupervisorError(
          'max_children',
          `The manager already runs its maximum of ${maxSessions} sessions.`,
        );
      }
      return checked;
    },
    close() {
      closed = true;
    },
  };
}
