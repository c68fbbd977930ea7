/**
 * `xstate-otp/dashboard`: a live web dashboard for a session manager, and a
 * read-only one for a journal file. See docs/dashboard.md.
 *
 * ```ts
 * import { createSessionManager } from 'xstate-otp';
 * import { openJournalSource, serveDashboard } from 'xstate-otp/dashboard';
 *
 * const manager = await createSessionManager({ journal: '.xstate-otp/journal.jsonl' });
 * const dashboard = await serveDashboard(manager);
 * console.log(`Dashboard: ${dashboard.url}`);
 *
 * // Elsewhere, any journal, live or not, read-only:
 * const view = await serveDashboard(await openJournalSource('.xstate-otp/journal.jsonl'));
 * ```
 *
 * @module
 */
export { activeStateIds, stateIdsByPath } from './activeStates.js';
export { DashboardError, type DashboardErrorCode } from './dashboardError.js';
export {
  type JournalSessionView,
  type JournalSourceOptions,
  openJournalSource,
} from './journalSource.js';
export type { SessionRow, StatsSample } from './listFeed.js';
export { type ManagerSourceOptions, managerSource } from './managerSource.js';
export {
  type DashboardOptions,
  type DashboardServer,
  serveDashboard,
} from './serveDashboard.js';
export type {
  DashboardSessionView,
  DashboardSource,
  DetailCursor,
  MachineChart,
  OutputLine,
  RecordedEvent,
  SessionDetail,
} from './source.js';
export type { SseStreamStats } from './sseStream.js';
