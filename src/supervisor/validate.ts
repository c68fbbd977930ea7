/**
 * Validation of supervisor options and child specs. Everything is checked
 * before anything starts, so a bad spec is reported as
 * `SupervisorError('invalid_spec')` and nothing is half-applied.
 */
import { SupervisorError } from '../ground/errors.js';
import { shown } from '../ground/shown.js';
import type {
  Backoff,
  ChildSpec,
  ResolvedBackoff,
  ResolvedChildSpec,
  ResolvedSupervisorOptions,
  SupervisorOptions,
} from './types.js';

export const DEFAULT_SHUTDOWN = 5000;
const STRATEGIES = ['one_for_one', 'one_for_all', 'rest_for_one'];
const RESTART_TYPES = ['permanent', 'transient', 'temporary'];
const AUTO_SHUTDOWNS = ['never', 'any_significant', 'all_significant'];

function invalid(message: string, childId?: string): SupervisorError {
  return new SupervisorError('invalid_spec', message, childId === undefined ? {} : { childId });
}

function isLogic(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { transition?: unknown }).transition === 'function' &&
    typeof (value as { getInitialSnapshot?: unknown }).getInitialSnapshot === 'function'
  );
}

const isMs = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** Checks a backoff and applies its defaults (`where` names it in messages). */
export function resolveBackoff(
  backoff: Backoff | undefined,
  where: string,
  childId?: string,
): ResolvedBackoff | undefined {
  if (backoff === undefined) return undefined;
  const bad = (what: string, value: unknown) =>
    invalid(`${where}: backoff ${what}; got ${shown(value)}.`, childId);
  if (typeof backoff !== 'object' || backoff === null) throw bad('must be an object', backoff);
  const { minMs, maxMs, factor = 2, jitter = 0.2 } = backoff;
  if (!isMs(minMs) || minMs <= 0) throw bad('minMs must be a finite number of ms > 0', minMs);
  if (!isMs(maxMs) || maxMs < minMs)
    throw bad('maxMs must be a finite number of ms >= minMs', maxMs);
  if (!isMs(factor) || factor < 1) throw bad('factor must be a finite number >= 1', factor);
  if (!isMs(jitter) || jitter < 0 || jitter >= 1) throw bad('jitter must be >= 0 and < 1', jitter);
  const resetAfterMs = backoff.resetAfterMs ?? maxMs;
  if (!isMs(resetAfterMs) || resetAfterMs <= 0) {
    throw bad('resetAfterMs must be a finite number of ms > 0', resetAfterMs);
  }
  return { minMs, maxMs, factor, jitter, resetAfterMs };
}

/** Checks a child spec against its supervisor's options and applies the defaults. */
export function resolveChildSpec(
  spec: ChildSpec,
  supervisor: { autoShutdown: string; backoff: ResolvedBackoff | undefined },
): ResolvedChildSpec {
  const { autoShutdown } = supervisor;
  if (typeof spec !== 'object' || spec === null) throw invalid('A child spec must be an object.');
  const { id } = spec;
  if (typeof id !== 'string' || id.length === 0) {
    throw invalid(`A child spec needs a non-empty string id; got ${shown(id)}.`);
  }
  if (!isLogic(spec.logic)) {
    throw invalid(
      `Child "${id}": "logic" must be XState actor logic (a machine, fromPromise, …).`,
      id,
    );
  }
  const restart = spec.restart ?? 'permanent';
  if (!RESTART_TYPES.includes(restart)) {
    throw invalid(`Child "${id}": restart must be one of ${RESTART_TYPES.join(', ')}.`, id);
  }
  const shutdown = spec.shutdown ?? DEFAULT_SHUTDOWN;
  const validShutdown =
    shutdown === 'brutal_kill' ||
    shutdown === 'infinity' ||
    (typeof shutdown === 'number' && Number.isFinite(shutdown) && shutdown >= 0);
  if (!validShutdown) {
    throw invalid(
      `Child "${id}": shutdown must be a number of ms >= 0, 'brutal_kill' or 'infinity'; got ${shown(shutdown)}.`,
      id,
    );
  }
  const significant = spec.significant ?? false;
  if (typeof significant !== 'boolean') {
    throw invalid(`Child "${id}": significant must be a boolean.`, id);
  }
  if (significant && restart === 'permanent') {
    throw invalid(
      `Child "${id}" is significant and permanent: a permanent child never ends for good, so it cannot end its supervisor. Make it transient or temporary.`,
      id,
    );
  }
  if (significant && autoShutdown === 'never') {
    throw invalid(
      `Child "${id}" is significant but the supervisor's autoShutdown is 'never'. Set autoShutdown to 'any_significant' or 'all_significant'.`,
      id,
    );
  }
  if (spec.registerAs !== undefined && (typeof spec.registerAs !== 'string' || !spec.registerAs)) {
    throw invalid(`Child "${id}": registerAs must be a non-empty string.`, id);
  }
  const backoff = resolveBackoff(spec.backoff, `Child "${id}"`, id) ?? supervisor.backoff;
  return { ...spec, restart, shutdown, significant, backoff };
}

export function resolveSupervisorOptions(
  options: SupervisorOptions = {},
): ResolvedSupervisorOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('Supervisor options must be an object.');
  }
  const strategy = options.strategy ?? 'one_for_one';
  if (!STRATEGIES.includes(strategy)) {
    throw invalid(`strategy must be one of ${STRATEGIES.join(', ')}; got ${shown(strategy)}.`);
  }
  const intensity = options.intensity ?? 3;
  if (!Number.isInteger(intensity) || intensity < 0) {
    throw invalid(`intensity must be an integer >= 0; got ${shown(intensity)}.`);
  }
  const period = options.period ?? 5000;
  if (typeof period !== 'number' || !Number.isFinite(period) || period <= 0) {
    throw invalid(`period must be a finite number of ms > 0; got ${shown(period)}.`);
  }
  const autoShutdown = options.autoShutdown ?? 'never';
  if (!AUTO_SHUTDOWNS.includes(autoShutdown)) {
    throw invalid(`autoShutdown must be one of ${AUTO_SHUTDOWNS.join(', ')}.`);
  }
  const maxChildren = options.maxChildren ?? Number.POSITIVE_INFINITY;
  if (typeof maxChildren !== 'number' || Number.isNaN(maxChildren) || maxChildren < 0) {
    throw invalid(`maxChildren must be a number >= 0; got ${shown(maxChildren)}.`);
  }
  const backoff = resolveBackoff(options.backoff, 'Supervisor options');
  const specs = options.children ?? [];
  if (!Array.isArray(specs)) throw invalid('children must be an array of child specs.');
  const children = specs.map((spec) => resolveChildSpec(spec, { autoShutdown, backoff }));
  const seen = new Set<string>();
  for (const child of children) {
    if (seen.has(child.id)) throw invalid(`Duplicate child id "${child.id}".`, child.id);
    seen.add(child.id);
  }
  const registerAs = options.registerAs;
  const usesRegistry = registerAs !== undefined || children.some((c) => c.registerAs !== undefined);
  if (usesRegistry && options.registry === undefined) {
    throw invalid('registerAs needs a registry: pass `registry` in the supervisor options.');
  }
  return {
    strategy,
    intensity,
    period,
    autoShutdown,
    children,
    registry: options.registry,
    registerAs,
    maxChildren,
    backoff,
    environment: options.environment,
  };
}
