/**
 * The session layer: the statechart of one session's life (`starting`,
 * `running`, `stopping`, and the final states that are the once-only
 * terminal guard) and the view of a session from outside.
 *
 * ```ts
 * import { toMermaid } from 'xstate-otp';
 * import { sessionMachine } from './index.js';
 *
 * toMermaid(sessionMachine); // the lifecycle, as `xstate-otp diagram session` draws it
 * ```
 *
 * See docs/sessions.md.
 */
export { followSession, type SessionFollower } from './lifecycle.js';
export { sessionMachine } from './sessionMachine.js';
export type { SessionEvent, SessionInput, SessionOutput } from './types.js';
export {
  SESSION_STATES,
  type SessionChildView,
  type SessionState,
  type SessionView,
  viewOfSummary,
} from './view.js';
