/**
 * One Server-Sent Events client with a bounded queue: a slow reader gets a
 * fresh snapshot when it catches up, never an unbounded backlog.
 *
 * ```ts
 * const stream = new SseStream(res, { maxQueuedBytes: 1 << 20, snapshot: () => sseMessage('reset', everything()) });
 * stream.send(sseMessage('changes', delta));   // written now, queued, or dropped for a snapshot later
 * stream.close();
 * ```
 *
 * Writing: while the socket takes data (`res.write` returns true), messages
 * go straight out. Once it pushes back, they wait in this stream's queue
 * until `drain`. If what is held for the client (the queue plus what Node's
 * socket buffer still holds) would pass `maxQueuedBytes`, the queue is thrown
 * away and the stream is marked stale: when the socket drains, the client
 * gets one `snapshot()` (the whole state, built then) instead of the deltas
 * it missed. So a client costs at most `maxQueuedBytes`, however far behind
 * it falls, as long as one message fits in it with the socket's high-water
 * mark (16 KiB) to spare: a message is written whole while the socket takes
 * data, and the feeds cut theirs to fit (see `sessionFeed.ts`).
 */
import type { ServerResponse } from 'node:http';

/** An SSE message: `event: <name>` and one `data:` line of JSON (JSON text has no raw newlines). */
export function sseMessage(event: string, data: unknown): Buffer {
  return Buffer.from(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export interface SseStreamOptions {
  maxQueuedBytes: number;
  /** The full state, for a client that fell behind. */
  snapshot: () => Buffer;
}

export interface SseStreamStats {
  /** Bytes handed to the socket. */
  sentBytes: number;
  /** Bytes waiting in this stream's queue. */
  queuedBytes: number;
  /** Bytes written but still in Node's socket buffer (not yet taken by the kernel). */
  bufferedBytes: number;
  /** Times the queue was dropped for a snapshot. */
  resyncs: number;
}

export class SseStream {
  readonly #res: ServerResponse;
  readonly #options: SseStreamOptions;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #blocked = false;
  #stale = false;
  #closed = false;
  #sentBytes = 0;
  #resyncs = 0;

  constructor(res: ServerResponse, options: SseStreamOptions) {
    this.#res = res;
    this.#options = options;
    res.on('drain', () => this.#drain());
    res.on('close', () => {
      this.#closed = true;
      this.#queue = [];
      this.#queuedBytes = 0;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): SseStreamStats {
    return {
      sentBytes: this.#sentBytes,
      queuedBytes: this.#queuedBytes,
      bufferedBytes: this.#res.writableLength,
      resyncs: this.#resyncs,
    };
  }

  send(message: Buffer): void {
    if (this.#closed || this.#stale) return;
    if (!this.#blocked) {
      this.#write(message);
      return;
    }
    const held = this.#queuedBytes + this.#res.writableLength;
    if (held + message.length > this.#options.maxQueuedBytes) {
      this.#queue = [];
      this.#queuedBytes = 0;
      this.#stale = true;
      this.#resyncs += 1;
      return;
    }
    this.#queue.push(message);
    this.#queuedBytes += message.length;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#res.end();
  }

  #write(message: Buffer): void {
    this.#sentBytes += message.length;
    this.#blocked = !this.#res.write(message);
  }

  #drain(): void {
    this.#blocked = false;
    while (!this.#blocked && !this.#closed) {
      const next = this.#queue.shift();
      if (next) {
        this.#queuedBytes -= next.length;
        this.#write(next);
        continue;
      }
      if (this.#stale) {
        this.#stale = false;
        this.#write(this.#options.snapshot());
      }
      break;
    }
  }
}
