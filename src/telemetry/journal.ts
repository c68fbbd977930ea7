/**
 * `journal:append`: each record the manager appends for a session, with
 * its size and how long it took to become durable (group commit
 * included), whichever store holds the journal (a file, memory, NATS).
 *
 * ```ts
 * const written = observeAppend(store, record); // store.append(record), timed when someone listens
 * ```
 */
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../ground/errorMessage.js';
import { channels, publish } from './channels.js';
import type { JournalAppendMessage } from './messages.js';

interface AppendTarget<R> {
  readonly hostId: string;
  append(record: R): Promise<void>;
}

/** `store.append(record)`; when `journal:append` has a subscriber, published once it settles. */
export function observeAppend<R extends { type: string; sessionId: string }>(
  store: AppendTarget<R>,
  record: R,
): Promise<void> {
  if (!channels.journalAppend.hasSubscribers) return store.append(record);
  const started = performance.now();
  const report = (error?: unknown) => {
    if (!channels.journalAppend.hasSubscribers) return;
    const message = {
      sessionId: record.sessionId,
      hostId: store.hostId,
      recordType: record.type,
      records: 1,
      // Measured when read: a subscriber that wants only the duration does not pay for a serialisation.
      get bytes() {
        return recordBytes(record);
      },
      durationMs: performance.now() - started,
    } as JournalAppendMessage;
    if (error !== undefined) message.error = errorMessage(error);
    publish(channels.journalAppend, message);
  };
  const written = store.append(record);
  written.then(
    () => report(),
    (error: unknown) => report(error),
  );
  return written;
}

/** The record's size as one JSON line, without the newline; 0 if it cannot be written as JSON. */
function recordBytes(record: object): number {
  try {
    return Buffer.byteLength(JSON.stringify(record), 'utf8');
  } catch {
    return 0;
  }
}
