/**
 * Showing the run's sessions as they go: a live table in a terminal, one
 * line per change otherwise. Both follow the manager's dashboard store.
 *
 * ```ts
 * const progress = showProgress(io, manager, ids, { live: true, painter, startedAt });
 * await allDone;
 * progress.stop();   // last draw; stops following the dashboard
 * ```
 */

import type { SessionManager } from '../../manager/createSessionManager.js';
import type { SessionView } from '../../manager/dashboardStore.js';
import { formatDuration } from '../format.js';
import type { Output } from '../io.js';
import { sessionTableLines } from '../sessionTable.js';
import type { Painter } from '../table.js';
import { createLiveView } from './liveView.js';
import { createPlainLog } from './plainLog.js';
import { LIVE_REASON_WIDTH } from './summary.js';

export interface Progress {
  /** The run's rows, in created order. */
  rows(): SessionView[];
  stop(): void;
}

export function showProgress(
  out: Output,
  manager: SessionManager,
  ids: readonly string[],
  options: { live: boolean; painter: Painter; startedAt: number },
): Progress {
  const { painter, startedAt } = options;
  const rows = () =>
    ids.map((id) => manager.getSession(id)).filter((row): row is SessionView => row !== undefined);

  if (options.live) {
    const view = createLiveView(out, () => {
      const current = rows();
      const ended = current.filter((row) => row.outcome !== undefined).length;
      return [
        ...sessionTableLines(current, {
          now: Date.now(),
          painter,
          columns: ['id', 'what', 'state', 'restarts', 'duration', 'reason'],
          reasonWidth: LIVE_REASON_WIDTH,
        }),
        painter.dim(
          `${current.length - ended} running, ${ended} ended, ${formatDuration(Date.now() - startedAt)}`,
        ),
      ];
    });
    const subscription = manager.dashboard.subscribe(() => view.request());
    return {
      rows,
      stop() {
        subscription.unsubscribe();
        view.stop();
      },
    };
  }

  const log = createPlainLog(out, startedAt, Math.max(...ids.map((id) => id.length)));
  const seen = new Map<string, SessionView>();
  // A change replaces only the changed row object: compare by identity.
  const subscription = manager.dashboard.subscribe(() => {
    for (const row of rows()) {
      if (seen.get(row.id) === row) continue;
      seen.set(row.id, row);
      log.update(row);
    }
  });
  return { rows, stop: () => subscription.unsubscribe() };
}
