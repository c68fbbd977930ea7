/**
 * The session table's live feed: every change of the source, coalesced and
 * pushed at most once per `intervalMs` to every connected client, plus the
 * chart's samples.
 *
 * ```ts
 * const feed = createListFeed(source, { intervalMs: 100, sampleMs: 5000, samples: 60, maxQueuedBytes: 1 << 20 });
 * feed.connect(res);   // SSE: `reset` now, then `changes` and `stats` as they come
 * feed.close();
 * ```
 *
 * Messages (JSON in each `data:` line):
 * - `reset { title, readOnly, rows, stats, now }`: the whole table (`rows`
 *   in created order) and the chart's history; first on every connection,
 *   and again for a client that fell behind (see `SseStream`).
 * - `changes { rows, removed, now }`: rows that changed since the last push
 *   (the latest version of each), ids that left the source.
 * - `stats { sample }`: a new chart sample.
 *
 * Cost: a change costs a `Set.add` when it happens; a push serialises each
 * changed row once for all clients (one buffer, written to each socket).
 * Rows are the table's columns only (`SessionRow`); the session page reads
 * the rest from `/api/sessions/:id`.
 */
import type { ServerResponse } from 'node:http';
import type { DashboardSessionView, DashboardSource } from './source.js';
import { SseStream, type SseStreamStats, sseMessage } from './sseStream.js';

/** A row of the session table. */
export interface SessionRow {
  id: string;
  state: string;
  outcome?: string;
  host?: string;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  restarts: number;
  /** A durable session's run: 1, plus one per resume. Absent for a session that is not durable. */
  attempt?: number;
  /** `metadata.title`, when it is a string. */
  title?: string;
  reason?: string;
}

/** The chart's sample: sessions by state at `at`, and restarts counted since the previous sample. */
export interface StatsSample {
  at: number;
  states: Record<string, number>;
  restarts: number;
}

export interface ListFeedOptions {
  intervalMs: number;
  sampleMs: number;
  /** Samples kept (the chart's width). */
  samples: number;
  maxQueuedBytes: number;
}

export interface ListFeed {
  connect(res: ServerResponse): SseStream;
  clients(): SseStreamStats[];
  close(): void;
}

const MAX_TEXT = 300;
const clip = (text: string) => (text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT)}…`);

export function toSessionRow(view: DashboardSessionView): SessionRow {
  const title = view.metadata?.title;
  return {
    id: view.id,
    state: view.state,
    ...(view.outcome === undefined ? {} : { outcome: view.outcome }),
    ...(view.host === undefined ? {} : { host: view.host }),
    createdAt: view.createdAt,
    ...(view.startedAt === undefined ? {} : { startedAt: view.startedAt }),
    ...(view.endedAt === undefined ? {} : { endedAt: view.endedAt }),
    restarts: view.restarts,
    ...(view.attempt === undefined ? {} : { attempt: view.attempt }),
    ...(typeof title === 'string' ? { title: clip(title) } : {}),
    ...(view.reason === undefined ? {} : { reason: clip(view.reason) }),
  };
}

export function createListFeed(source: DashboardSource, options: ListFeedOptions): ListFeed {
  const streams = new Set<SseStream>();
  const changed = new Set<string>();
  let everything = false;
  let timer: NodeJS.Timeout | undefined;
  let lastPush = 0;
  let snapshot: Buffer | undefined;
  const history: StatsSample[] = [];
  const restartsSeen = new Map<string, number>();
  let restartsSinceSample = 0;

  for (const view of source.list()) restartsSeen.set(view.id, view.restarts);

  const countRestarts = (view: DashboardSessionView) => {
    const before = restartsSeen.get(view.id) ?? 0;
    if (view.restarts > before) restartsSinceSample += view.restarts - before;
    restartsSeen.set(view.id, view.restarts);
  };

  const resetMessage = (): Buffer => {
    snapshot ??= sseMessage('reset', {
      title: source.title,
      readOnly: source.readOnly,
      rows: source.list().map(toSessionRow),
      stats: history,
      now: source.now(),
    });
    return snapshot;
  };

  const broadcast = (message: Buffer) => {
    for (const stream of streams) stream.send(message);
  };

  const push = () => {
    timer = undefined;
    lastPush = performance.now();
    snapshot = undefined;
    if (everything) {
      everything = false;
      changed.clear();
      const live = new Set<string>();
      for (const view of source.list()) {
        live.add(view.id);
        countRestarts(view);
      }
      for (const id of restartsSeen.keys()) if (!live.has(id)) restartsSeen.delete(id);
      if (streams.size > 0) broadcast(resetMessage());
      return;
    }
    const rows: SessionRow[] = [];
    const removed: string[] = [];
    for (const id of changed) {
      const view = source.get(id);
      if (!view) {
        removed.push(id);
        restartsSeen.delete(id);
        continue;
      }
      countRestarts(view);
      if (streams.size > 0) rows.push(toSessionRow(view));
    }
    changed.clear();
    if (streams.size > 0 && (rows.length > 0 || removed.length > 0)) {
      broadcast(sseMessage('changes', { rows, removed, now: source.now() }));
    }
  };

  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, lastPush + options.intervalMs - performance.now());
    timer = setTimeout(push, wait);
    timer.unref();
  };

  const unsubscribe = source.onChange((id) => {
    if (id === undefined) everything = true;
    else changed.add(id);
    schedule();
  });

  const sample = () => {
    const states: Record<string, number> = {};
    for (const view of source.list()) states[view.state] = (states[view.state] ?? 0) + 1;
    const entry = { at: source.now(), states, restarts: restartsSinceSample };
    restartsSinceSample = 0;
    history.push(entry);
    if (history.length > options.samples) history.shift();
    snapshot = undefined;
    if (streams.size > 0) broadcast(sseMessage('stats', { sample: entry }));
  };
  sample();
  const sampler = setInterval(sample, options.sampleMs);
  sampler.unref();

  return {
    connect(res) {
      const stream = new SseStream(res, {
        maxQueuedBytes: options.maxQueuedBytes,
        snapshot: resetMessage,
      });
      streams.add(stream);
      res.on('close', () => streams.delete(stream));
      stream.send(resetMessage());
      return stream;
    },
    clients: () => [...streams].map((stream) => stream.stats),
    close() {
      if (timer) clearTimeout(timer);
      clearInterval(sampler);
      unsubscribe();
      for (const stream of streams) stream.close();
      streams.clear();
    },
  };
}
