/**
 * A session page's live feed: the session's detail, then what changed in it,
 * at most once per `intervalMs`.
 *
 * ```ts
 * const feed = openSessionFeed(source, 'fix-42', res, { intervalMs: 100, maxQueuedBytes: 1 << 20 });
 * // SSE: `session { full: true, ...detail }`, then `session { ... }` updates, `gone` if it leaves
 * feed.close();
 * ```
 *
 * An update carries the view, tree, journal and machines' active states in
 * full (they are small), but only the events and output lines the client has
 * not had yet, and a machine's Mermaid text only the first time that text is
 * sent. A client that fell behind is sent the full detail again once it
 * catches up.
 */
import type { ServerResponse } from 'node:http';
import type { DashboardSource, DetailCursor, SessionDetail } from './source.js';
import { SseStream, sseMessage } from './sseStream.js';

export interface SessionFeedOptions {
  intervalMs: number;
  maxQueuedBytes: number;
}

export interface SessionFeed {
  readonly stream: SseStream;
  close(): void;
}

function lastSeq(items: readonly { seq: number }[], fallback: number | undefined) {
  return items.length > 0 ? items[items.length - 1]!.seq : fallback;
}

export function openSessionFeed(
  source: DashboardSource,
  id: string,
  res: ServerResponse,
  options: SessionFeedOptions,
): SessionFeed {
  let cursor: DetailCursor = {};
  let chartsSent = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let lastPush = 0;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const stream = new SseStream(res, {
    maxQueuedBytes: options.maxQueuedBytes,
    // Caught up after falling behind: the next push is the full detail again.
    snapshot: () => {
      cursor = {};
      chartsSent = new Set();
      schedule();
      return Buffer.from(': resync\n\n');
    },
  });

  const message = (detail: SessionDetail, full: boolean): Buffer => {
    const machines = detail.machines.map((machine) => {
      if (!full && chartsSent.has(machine.statechart)) {
        const { statechart: _, ...rest } = machine;
        return rest;
      }
      chartsSent.add(machine.statechart);
      return machine;
    });
    return sseMessage('session', {
      ...detail,
      ...(full ? { full: true } : { statechart: undefined }),
      machines,
    });
  };

  const push = async () => {
    const full = cursor.events === undefined && cursor.output === undefined;
    const detail = await source.detail(id, cursor);
    if (closed) return;
    if (!detail) {
      stream.send(sseMessage('gone', { id }));
      return;
    }
    cursor = {
      events: lastSeq(detail.events, cursor.events ?? 0),
      output: lastSeq(detail.output, cursor.output ?? 0),
    };
    stream.send(message(detail, full));
  };

  const run = () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    lastPush = performance.now();
    running = push()
      .catch((error: unknown) => {
        stream.send(sseMessage('problem', { message: (error as Error).message }));
      })
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          again = false;
          schedule();
        }
      });
  };

  const schedule = () => {
    if (timer || closed) return;
    timer = setTimeout(run, Math.max(0, lastPush + options.intervalMs - performance.now()));
    timer.unref();
  };

  const unwatch = source.watch(id, schedule);
  const unChange = source.onChange((changed) => {
    if (changed === undefined || changed === id) schedule();
  });
  const close = () => {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    unwatch();
    unChange();
    stream.close();
  };
  res.on('close', close);
  run();
  return { stream, close };
}
