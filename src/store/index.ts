/**
 * `xstate-otp/store`: the storage seam, for writers of a storage adapter.
 * A `SessionStoreFactory` is what `createSessionManager({ cluster })` takes
 * (`natsCluster(...)` from `xstate-otp/nats` is one); the file and memory
 * journals are the single-host implementation behind `journal`.
 *
 * ```ts
 * import { createSessionManager } from 'xstate-otp';
 * import { type SessionStoreFactory, replayJournal } from 'xstate-otp/store';
 *
 * declare const myStore: SessionStoreFactory;          // claims, fenced appends, reads, host requests
 * const manager = await createSessionManager({ hostId: 'worker-1', cluster: myStore });
 *
 * // A store rebuilds what it knows from the records it keeps:
 * const { sessions, unterminated } = replayJournal([]);
 * ```
 *
 * The rules every implementation keeps (exclusive claims, fenced appends,
 * reported fencing) are written on `SessionStore` and in docs/cluster.md.
 * `SESSION_ID_PATTERN` is the one rule for session ids, which a store may
 * rely on: the manager refuses any other id before it reaches the store.
 */
// Must stay first: a clear error on an old Node.js before a dependency fails obscurely.
import '../ground/index.js';

export { SESSION_ID_PATTERN } from '../ground/index.js';
export {
  type JournalReplay,
  replayJournal,
  type SessionSummary,
} from '../journal/index.js';
export type {
  HostRequest,
  OpenedStore,
  SessionStore,
  SessionStoreFactory,
  StoreContext,
  StoreEvent,
} from '../manager/index.js';
