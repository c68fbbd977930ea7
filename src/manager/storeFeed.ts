/**
 * What the store reports, applied to this host: sessions it learns about
 * (another host's, or ended elsewhere) join the index, and sessions this
 * host lost (its lease, in cluster mode) are fenced: their processes are
 * killed and their actors cancelled as a hand-off (their workspaces left as
 * they are, for whoever owns the session now), and nothing more is written
 * for them.
 *
 * ```ts
 * const unwatch = followStore(store, { index, processes, cancelLocal, resume });
 * ```
 *
 * A durable session another host left, which this host took over, is
 * resumed here (`adopted`).
 */
import type { SessionSummary } from '../journal/index.js';
import { viewOfSummary } from '../session/view.js';
import type { ProcessSweeper } from './processes.js';
import type { SessionIndex } from './sessionIndex.js';
import type { SessionStore } from './store.js';

export function followStore(
  store: SessionStore,
  deps: {
    index: SessionIndex;
    processes: ProcessSweeper;
    /** `handOff`: the session goes on elsewhere; it leaves its workspace as it is. */
    cancelLocal(id: string, reason: string, handOff: boolean): unknown;
    /** Resumes durable sessions this host took over (`resume.ts`). */
    resume(summaries: SessionSummary[]): Promise<void>;
  },
): () => void {
  const { index, processes, cancelLocal, resume } = deps;
  return store.watch((event) => {
    if (event.type === 'adopted') {
      // This host's stale copy, fenced a while ago, may still be stopping: it
      // ends first. A session that cannot resume ends `interrupted`: nothing
      // is left to report here.
      const id = event.summary.sessionId;
      const stale = (index.live(id) ?? index.settling(id))?.done;
      Promise.resolve(stale)
        .catch(() => {})
        .then(() => resume([event.summary]))
        .catch(() => {});
      return;
    }
    if (event.type === 'session') {
      // Sessions running here are shown from their actors, not from the feed;
      // any other (another host's, or one of ours another host ended) from it.
      const id = event.summary.sessionId;
      if (!index.live(id) && !index.settling(id)) index.addKnown(viewOfSummary(event.summary));
      return;
    }
    const ids = event.sessionIds ?? index.liveHandles().map((handle) => handle.ref.id);
    for (const id of ids) {
      if (!index.fence(id)) continue;
      void processes.sweepSession(id);
      // Its new owner decides its end, and its workspace's (a resumed attempt reuses it).
      cancelLocal(id, `fenced: ${event.reason}`, true);
    }
  });
}
