/**
 * Every record the manager writes goes through here: one place that knows
 * the record shapes, keeps track of writes in flight (so `stop()` can wait
 * for them), and turns a failed write into the manager's failure.
 *
 * ```ts
 * const recorder = createRecorder({ store, now });
 * recorder.created({ sessionId, at, metadata, spec });
 * await recorder.terminal(record); // durable once resolved
 * await recorder.flushed();        // every write so far has landed or failed
 * ```
 *
 * A write that fails with `JournalError('io')` (a full disk, a broken
 * device) is kept as the recorder's `failure`, the manager's one failure
 * state: the manager then accepts no more sessions, since it could no
 * longer record them. A write refused with
 * `ClusterError('fenced')` is not a failure of the manager: that session
 * belongs to another host now, and the store reports it through `watch`.
 */
import { definedFields } from '../ground/defined.js';
import { JournalError } from '../ground/errors.js';
import type { TerminalRecord } from '../ground/outcome.js';
import type { JournalRecord } from '../journal/index.js';
import { observeAppend } from '../telemetry/index.js';
import { toWorkspaceRecord } from '../workspace/journalRecord.js';
import type { WorkspaceEvent } from '../workspace/types.js';
import type { SessionStore } from './store.js';

export interface RecorderOptions {
  store: SessionStore;
  now(): number;
}

export interface Recorder {
  created(record: {
    sessionId: string;
    at: number;
    metadata: Record<string, unknown> | undefined;
    spec: Record<string, unknown>;
    durable?: { type: string; input?: unknown; timeoutMs?: number };
    traceContext?: Record<string, string>;
  }): Promise<void>;
  started(sessionId: string, at: number): Promise<void>;
  /** A live session's restart count, so an interrupted session still shows it. */
  restarts(sessionId: string, restarts: number): Promise<void>;
  terminal(record: TerminalRecord): Promise<void>;
  workspace(event: WorkspaceEvent): Promise<void>;
  /** Any other record (workspace settlement at reconciliation). */
  raw(record: JournalRecord): Promise<void>;
  /** Resolves once every write made so far has landed or failed. */
  flushed(): Promise<void>;
  /** The first storage failure (`JournalError('io')`), once there was one. */
  readonly failure: JournalError | undefined;
}

export function createRecorder({ store, now }: RecorderOptions): Recorder {
  const inFlight = new Set<Promise<void>>();
  let failure: JournalError | undefined;

  const write = (record: JournalRecord): Promise<void> => {
    const written = observeAppend(store, record).catch((error: unknown) => {
      if (error instanceof JournalError && error.code === 'io') failure ??= error;
      throw error;
    });
    inFlight.add(written);
    const untrack = () => inFlight.delete(written);
    written.then(untrack, untrack);
    return written;
  };

  return {
    created: ({ sessionId, at, metadata, spec, durable, traceContext }) =>
      write({
        type: 'created',
        sessionId,
        at,
        host: store.hostId,
        ...definedFields({ metadata }),
        spec,
        ...definedFields({ durable, traceContext }),
      }),
    started: (sessionId, at) => write({ type: 'started', sessionId, at }),
    restarts: (sessionId, restarts) => write({ type: 'restarts', sessionId, at: now(), restarts }),
    terminal: (record) => write({ type: 'terminal', at: record.endedAt, ...record }),
    workspace: (event) => write(toWorkspaceRecord(event, now())),
    raw: write,
    flushed: async () => {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    get failure() {
      return failure;
    },
  };
}
