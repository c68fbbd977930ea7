/**
 * The manager layer: the session manager that assembles the parts (a store,
 * the root supervisor, the session index) and the persistence seam every
 * store implements.
 *
 * ```ts
 * import { createSessionManager } from './index.js';
 *
 * const manager = await createSessionManager({ journal: '.xstate-otp/journal.jsonl' });
 * await manager.stop();
 * ```
 *
 * See docs/sessions.md.
 */
export {
  createSessionManager,
  type Session,
  type SessionManager,
  type SessionManagerOptions,
} from './createSessionManager.js';
export { type DashboardContext, listRows } from './dashboardStore.js';
export type { Dashboard } from './dashboardView.js';
export type { SessionSpec, SessionType, SessionTypeSpec } from './sessionSpec.js';
export type {
  HostRequest,
  OpenedStore,
  SessionStore,
  SessionStoreFactory,
  StoreContext,
  StoreEvent,
} from './store.js';
