/**
 * A session page's live feed: the session's detail, then only what changed
 * in it, at most once per `intervalMs`.
 *
 * ```ts
 * const feed = openSessionFeed(source, 'fix-42', res, { intervalMs: 100, maxQueuedBytes: 1 << 20 });
 * // SSE: `session { full: true, ...detail }`, then `session { now, ...what changed }`, `gone` if it leaves
 * feed.close();
 * ```
 *
 * What an update carries, beside `now`: `view`, `local` and `tree` only
 * when they differ from what this client last got; `machines` only when a
 * machine's active states changed (a machine's Mermaid text only the first
 * time that text is sent); only the events and output lines the client has
 * not had; and only the journal records appended since (`journal`, with
 * `journalTotal`). A push with nothing new sends nothing.
 *
 * Bounded whatever the session holds: strings are cut to `MAX_FIELD_CHARS`
 * with a marker (`shorten.ts`; the page fetches a cut one whole from
 * `GET /api/sessions/:id`), and the full detail carries the last
 * `JOURNAL_WINDOW` journal records (`journalTotal` says how many there
 * are); a `checkpoint` record comes without its snapshot (`streamRecord`:
 * a durable session writes one per state change, and a snapshot holds the
 * machine's whole context), keeping only the machine's state `value`; a message still larger than the client's `maxQueuedBytes` (less
 * the socket's 16 KiB high-water mark) leaves out its oldest records,
 * events or lines until it fits (`fitMessage`). A client that fell behind is sent the full detail again once it
 * catches up (see `SseStream`).
 */
import type { ServerResponse } from 'node:http';
import { isRecordOfType, type JournalRecord } from '../journal/index.js';
import { shortenStrings } from './shorten.js';
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

/** Journal records in a full detail message: the latest ones. */
export const JOURNAL_WINDOW = 100;

/** Node's default high-water mark of a socket: what it may hold before `write` pushes back. */
const SOCKET_HIGH_WATER = 16 * 1024;

const LISTS = ['journal', 'events', 'output'] as const;

/**
 * The `session` message for `payload`, at most `budget` bytes if its lists
 * allow: while it is larger, the older half of its largest list (journal
 * records, events or output lines) is left out. A journal cut that way is
 * marked `journalReplace`: the page then keeps only these records, so what
 * it shows stays the unbroken tail of the journal (`journalTotal` says how
 * many there are; `GET /api/sessions/:id` has them all).
 */
function fitMessage(payload: Record<string, unknown>, budget: number): Buffer {
  let current = payload;
  let message = sseMessage('session', current);
  while (message.length > budget) {
    const sizes = LISTS.map((key) => {
      const list = current[key];
      return Array.isArray(list) && list.length > 0 ? JSON.stringify(list).length : 0;
    });
    const largest = sizes.indexOf(Math.max(...sizes));
    if (sizes[largest] === 0) break; // nothing left to leave out: the view itself is this big
    const key = LISTS[largest]!;
    const list = current[key] as unknown[];
    current = {
      ...current,
      [key]: list.slice(Math.ceil(list.length / 2)),
      ...(key === 'journal' ? { journalReplace: true } : {}),
    };
    message = sseMessage('session', current);
  }
  return message;
}

/**
 * A journal record as the stream sends it: a `checkpoint` without its
 * `snapshot`, but with the snapshot's state `value` (what the page shows of
 * it); any other record as it is. `GET /api/sessions/:id` has them whole.
 */
function streamRecord(record: JournalRecord): JournalRecord {
  if (!isRecordOfType(record, 'checkpoint')) return record;
  const { snapshot, ...rest } = record;
  const value = (snapshot as { value?: unknown } | null | undefined)?.value;
  return (value === undefined ? rest : { ...rest, value }) as JournalRecord;
}

function lastSeq(items: readonly { seq: number }[], fallback: number | undefined) {
  return items.length > 0 ? items[items.length - 1]!.seq : fallback;
}

/** What this client was last sent, to tell what changed (JSON of the shortened values). */
interface Sent {
  view: string;
  local: boolean;
  tree: string;
  /** Per machine: its id, active states and state, as JSON. */
  machines: string;
}

export function openSessionFeed(
  source: DashboardSource,
  id: string,
  res: ServerResponse,
  options: SessionFeedOptions,
): SessionFeed {
  let cursor: DetailCursor = {};
  let chartsSent = new Set<string>();
  let sent: Sent | undefined;
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
      sent = undefined;
      chartsSent = new Set();
      schedule();
      return Buffer.from(': resync\n\n');
    },
  });

  const machinesOf = (detail: SessionDetail, full: boolean) =>
    detail.machines.map((machine) => {
      if (!full && chartsSent.has(machine.statechart)) {
        const { statechart: _, ...rest } = machine;
        return rest;
      }
      chartsSent.add(machine.statechart);
      return machine;
    });

  const activeOf = (detail: SessionDetail) =>
    JSON.stringify(detail.machines.map(({ id, active, state }) => [id, active, state]));

  // Every message fits in a client's budget with the socket's high-water mark to spare, so
  // what is held for a client never passes `maxQueuedBytes` (see `SseStream`).
  const budget = Math.max(8 * 1024, options.maxQueuedBytes - SOCKET_HIGH_WATER);

  const fullMessage = (detail: SessionDetail): Buffer =>
    fitMessage(
      {
        full: true,
        ...detail,
        machines: machinesOf(detail, true),
        journal: detail.journal === null ? null : detail.journal.slice(-JOURNAL_WINDOW),
      },
      budget,
    );

  /** The changes since `previous`, or `undefined` when there are none. */
  const update = (detail: SessionDetail, previous: Sent, now: Sent): Buffer | undefined => {
    const changes: Record<string, unknown> = {};
    if (now.view !== previous.view) changes.view = detail.view;
    if (now.local !== previous.local) changes.local = detail.local;
    if (now.tree !== previous.tree) changes.tree = detail.tree;
    if (now.machines !== previous.machines) changes.machines = machinesOf(detail, false);
    if (detail.events.length > 0) changes.events = detail.events;
    if (detail.output.length > 0) changes.output = detail.output;
    if (detail.journal && detail.journal.length > 0) {
      changes.journal = detail.journal.slice(-JOURNAL_WINDOW);
      changes.journalTotal = detail.journalTotal;
    }
    if (Object.keys(changes).length === 0) return undefined;
    return fitMessage({ ...changes, now: detail.now }, budget);
  };

  const push = async () => {
    const found = await source.detail(id, cursor);
    if (closed) return;
    if (!found) {
      stream.send(sseMessage('gone', { id }));
      return;
    }
    if (found.journalTotal !== null && found.journalTotal < (cursor.journal ?? 0)) {
      // The journal is not the one read before (a journal view started over): begin again.
      cursor = {};
      sent = undefined;
      schedule();
      return;
    }
    // Cut once, before anything is compared or sent: a huge field costs one walk, not a serialisation per push.
    // Statecharts are drawn from machine definitions, not from what a session
    // holds, and a cut one could not be drawn: they go whole.
    const journal = found.journal === null ? null : found.journal.map(streamRecord);
    const detail = {
      ...shortenStrings({ ...found, journal, statechart: null, machines: [] }),
      statechart: found.statechart,
      machines: found.machines,
    };
    cursor = {
      events: lastSeq(detail.events, cursor.events ?? 0),
      output: lastSeq(detail.output, cursor.output ?? 0),
      ...(detail.journalTotal === null ? {} : { journal: detail.journalTotal }),
    };
    const now: Sent = {
      view: JSON.stringify(detail.view),
      local: detail.local,
      tree: JSON.stringify(detail.tree),
      machines: activeOf(detail),
    };
    const previous = sent;
    sent = now;
    if (previous === undefined) {
      stream.send(fullMessage(detail));
      return;
    }
    const message = update(detail, previous, now);
    if (message) stream.send(message);
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
