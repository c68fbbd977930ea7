/**
 * The options of `createSessionManager`, checked before anything opens.
 * Every mistake is a `SessionError('invalid_option')` naming the option, so
 * `createSessionManager({ journal: 42 })` rejects with a message rather than
 * failing later inside a journal call.
 */
import { hostname } from 'node:os';
import type { ActorOptions, AnyActorLogic, InspectionEvent, Observer } from 'xstate';
import { guardCallback, nextOf } from '../ground/callbackGuard.js';
import { definedFields } from '../ground/defined.js';
import { SessionError } from '../ground/errors.js';
import { shown } from '../ground/shown.js';
import type { Journal } from '../journal/index.js';
import type { SessionType } from './sessionSpec.js';
import type { SessionStoreFactory } from './store.js';

export type Clock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

export interface SessionManagerOptions {
  /** A `Journal`, or a path for the file journal. Default: in memory. */
  journal?: Journal | string;
  /** Cluster mode: a store shared by several hosts, such as `natsCluster(...)` from `xstate-otp/nats`. */
  cluster?: SessionStoreFactory;
  /** This host's name, stable across restarts. Default: the machine's hostname. */
  hostId?: string;
  /** At most this many live sessions; `createSession` past it throws `SupervisorError('max_children')`. */
  maxSessions?: number;
  /** The default `timeoutMs` of every session. */
  timeoutMs?: number;
  /** How many ended sessions stay in memory (views, `listSessions`); older ones are in `history()`. Default 10,000. */
  retainEnded?: number;
  /** The actor system's clock; a `SimulatedClock` drives every deadline and timestamp. */
  clock?: Clock;
  /** An XState inspector; it sees every actor the manager creates. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * Where session workspaces are created, as `<workspaceRoot>/<sessionId>`
   * (relative paths resolve against the cwd). Default: a folder of this user
   * and this journal under `os.tmpdir()`. Keep it the same across restarts
   * so reconciliation finds what it left.
   */
  workspaceRoot?: string;
  /**
   * Durable session types: a name → a function from a session's JSON input
   * to its children and options. `createSession({ type, input })` makes a
   * durable session, resumed by the next run on the same journal instead of
   * interrupted (docs/sessions.md).
   */
  sessionTypes?: Record<string, SessionType>;
}

const DEFAULT_RETAIN_ENDED = 10_000;

export interface CheckedOptions {
  storage: { journal: Journal | string | undefined } | { cluster: SessionStoreFactory };
  hostId: string;
  maxSessions: number;
  timeoutMs: number | undefined;
  retainEnded: number;
  workspaceRoot: string | undefined;
  sessionTypes: Record<string, SessionType> | undefined;
  /** The `inspect` option, guarded (see `callbackGuard.ts`). */
  inspect: ((event: InspectionEvent) => void) | undefined;
}

function invalid(
  name: string,
  rule: string,
  value: unknown,
  where = 'createSessionManager',
): SessionError {
  return new SessionError('invalid_option', `${where}: ${name} ${rule}; got ${shown(value)}.`);
}

const isCount = (value: unknown) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;
const hasMethods = (value: unknown, ...names: string[]) =>
  typeof value === 'object' &&
  value !== null &&
  names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

/** Throws `SessionError('invalid_option')` for the first bad option. */
export function checkOptions(options: unknown): CheckedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) {
    throw invalid('options', 'must be an object', options);
  }
  const o = options as SessionManagerOptions;
  const { journal, cluster } = o;
  if (journal !== undefined && cluster !== undefined) {
    throw invalid('journal', 'cannot be combined with cluster (the cluster is the journal)', '');
  }
  if (
    journal !== undefined &&
    typeof journal !== 'string' &&
    !hasMethods(journal, 'open', 'append', 'close')
  ) {
    throw invalid('journal', 'must be a path or a Journal (open, append, close)', journal);
  }
  if (typeof journal === 'string' && journal.length === 0) {
    throw invalid('journal', 'must be a non-empty path', journal);
  }
  if (cluster !== undefined && !hasMethods(cluster, 'open')) {
    throw invalid('cluster', 'must be a cluster store such as natsCluster(...)', cluster);
  }
  const hostId = o.hostId ?? hostname();
  if (typeof hostId !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(hostId)) {
    throw invalid('hostId', "must be 1 to 64 letters, digits, '.', '_' or '-'", o.hostId);
  }
  const maxSessions = o.maxSessions ?? Number.POSITIVE_INFINITY;
  if (maxSessions !== Number.POSITIVE_INFINITY && !isCount(maxSessions)) {
    throw invalid('maxSessions', 'must be an integer >= 0', maxSessions);
  }
  const { timeoutMs } = o;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
  ) {
    throw invalid('timeoutMs', 'must be a finite number of ms > 0', timeoutMs);
  }
  const retainEnded = o.retainEnded ?? DEFAULT_RETAIN_ENDED;
  if (!isCount(retainEnded)) throw invalid('retainEnded', 'must be an integer >= 0', retainEnded);
  if (
    o.workspaceRoot !== undefined &&
    (typeof o.workspaceRoot !== 'string' || o.workspaceRoot === '')
  ) {
    throw invalid('workspaceRoot', 'must be a non-empty path', o.workspaceRoot);
  }
  if (o.clock !== undefined && !hasMethods(o.clock, 'setTimeout', 'clearTimeout')) {
    throw invalid(
      'clock',
      'must be a clock (setTimeout, clearTimeout), such as SimulatedClock',
      o.clock,
    );
  }
  const inspectNext = nextOf<InspectionEvent>(o.inspect);
  if (o.inspect !== undefined && inspectNext === undefined) {
    throw invalid('inspect', 'must be an inspection function or an observer with next', o.inspect);
  }
  const { sessionTypes } = o;
  if (
    sessionTypes !== undefined &&
    (typeof sessionTypes !== 'object' ||
      sessionTypes === null ||
      Object.values(sessionTypes).some((build) => typeof build !== 'function'))
  ) {
    throw invalid(
      'sessionTypes',
      'must be an object of functions (input) => session spec',
      sessionTypes,
    );
  }
  return {
    storage: cluster === undefined ? { journal } : { cluster },
    sessionTypes,
    hostId,
    maxSessions,
    timeoutMs,
    retainEnded,
    workspaceRoot: o.workspaceRoot,
    // XState calls inspectors inside every actor's processing: one that
    // throws would break the session it was reporting on.
    inspect: inspectNext && guardCallback('session manager inspector', inspectNext),
  };
}

/** The query of `manager.history()`, checked: `limit` (default 100) and `before` (an `endedAt`). */
export function checkHistoryQuery(query: unknown): { limit: number; before?: number } {
  if (query === undefined) query = {};
  if (typeof query !== 'object' || query === null || Array.isArray(query)) {
    throw invalid('query', 'must be an object { limit?, before? }', query, 'history');
  }
  const { limit = 100, before } = query as { limit?: unknown; before?: unknown };
  if (!isCount(limit)) throw invalid('limit', 'must be an integer >= 0', limit, 'history');
  if (before !== undefined && (typeof before !== 'number' || !Number.isFinite(before))) {
    throw invalid('before', 'must be an endedAt, a finite number of epoch ms', before, 'history');
  }
  return { limit: limit as number, ...definedFields({ before: before as number | undefined }) };
}
