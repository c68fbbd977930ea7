/**
 * The library under test, loaded from the built package (`dist/`), so the
 * benchmarks measure what users install rather than the TypeScript sources.
 * `BENCH_DIST=<dir>` loads another build instead (a candidate fix, say) so
 * both can be measured with the same scenarios; it must sit inside this
 * repository, where `xstate` and the other dependencies resolve.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const dist = process.env.BENCH_DIST
  ? pathToFileURL(`${resolve(process.env.BENCH_DIST)}/`)
  : new URL('../../dist/', import.meta.url);

const lib = await import(new URL('index.js', dist).href);

export const {
  createRegistry,
  createSessionManager,
  createSupervisor,
  createFileJournal,
  sessionMachine,
  sessionSupervisorKey,
  whichChild,
  SHUTDOWN_EVENT,
} = lib;

const testing = await import(new URL('testing/index.js', dist).href);

/** A session machine's input holds resolved options (what the manager's spec check gives it). */
export const { resolveSupervisorOptions } = await import(
  new URL('supervisor/validate.js', dist).href
);

export const { fromProcess } = lib;
export const { fixtureCommand } = testing;

/** The cluster entry (`xstate-otp/nats`), loaded on demand: only the cluster scenario needs NATS. */
export const loadNats = () => import(new URL('nats/index.js', dist).href);
