/**
 * `createInspectionFile(path)` records every inspection event of an actor
 * system as JSON lines, for post-mortems and for tests that assert on a run.
 *
 * ```ts
 * const file = createInspectionFile('runs/today.jsonl');
 * const actor = createActor(machine, { inspect: file.inspect }).start();
 * // … run …
 * await file.close(); // everything is on disk now
 * ```
 *
 * Semantics:
 * - One line per event, in the order XState emitted them; the line format is
 *   `inspectionLine` (see `inspectionRecord.ts`). The file is appended to
 *   (created with its directory if missing), so several runs can share it.
 * - `inspect` never throws: unserialisable data is replaced, oversized lines
 *   are trimmed, and a failed write is remembered instead of thrown into the
 *   actor system. `close()` rejects with the first such failure, so the loss
 *   is not silent.
 * - Lines are buffered and written synchronously on the next turn of the
 *   event loop, or at once when about `flushBytes` are waiting, so a burst of
 *   events costs a few system calls rather than one each. `close()`,
 *   `flush()`, and process exit write whatever is buffered; after `close()`
 *   further events are ignored.
 *
 * @module
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { InspectionEvent } from 'xstate';
import { DEFAULT_MAX_LINE_BYTES, inspectionLine } from './inspectionRecord.js';

export interface InspectionFileOptions {
  /** Upper bound for one line in UTF-8 bytes; default 64 KiB, at least 256. */
  maxLineBytes?: number;
  /** Buffered size (characters) that triggers an immediate write; default 64 Ki. */
  flushBytes?: number;
}

export interface InspectionFile {
  readonly path: string;
  /** The observer for `createActor(logic, { inspect })`. Never throws. */
  readonly inspect: (event: InspectionEvent) => void;
  /** Writes buffered lines now. */
  flush(): void;
  /** Flushes and closes the file; rejects if any line was lost. Idempotent. */
  close(): Promise<void>;
}

/** Opens `path` for appending (throws if it cannot) and returns its writer. */
export function createInspectionFile(
  path: string,
  options: InspectionFileOptions = {},
): InspectionFile {
  const maxLineBytes = Math.max(256, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const flushBytes = Math.max(1, options.flushBytes ?? 64 * 1024);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a');

  let pending: string[] = [];
  let pendingChars = 0;
  let timer: NodeJS.Immediate | undefined;
  let open = true;
  let failure: unknown;
  let closing: Promise<void> | undefined;

  const flush = (): void => {
    if (timer) clearImmediate(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const data = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    pendingChars = 0;
    try {
      for (let offset = 0; offset < data.length; ) offset += writeSync(fd, data, offset);
    } catch (error) {
      failure ??= error;
    }
  };
  // A process that exits without calling close() still gets its last lines:
  // 'exit' listeners run synchronously, and so does flush().
  const onExit = (): void => flush();
  process.on('exit', onExit);

  const inspect = (event: InspectionEvent): void => {
    if (!open) return;
    try {
      const line = `${inspectionLine(event, maxLineBytes)}\n`;
      pending.push(line);
      pendingChars += line.length;
      if (pendingChars >= flushBytes) flush();
      else if (!timer) timer = setImmediate(flush).unref();
    } catch (error) {
      failure ??= error;
    }
  };

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      open = false;
      flush();
      process.off('exit', onExit);
      try {
        closeSync(fd);
      } catch (error) {
        failure ??= error;
      }
      if (failure === undefined) resolve();
      else reject(failure);
    });
    return closing;
  };

  const flushIfOpen = (): void => {
    if (open) flush();
  };
  return { path, inspect, flush: flushIfOpen, close };
}
