/**
 * The library under test, loaded from the built package (`dist/`), so the
 * benchmarks measure what users install rather than the TypeScript sources.
 * `BENCH_DIST=<dir>` loads another build instead (a candidate fix, say) so
 * both can be measured with the same scenarios; it must sit inside this
 * repository, where `xstate` and the other dependencies resolve.
 *
 * `fromProcess` and the fixture program may not be re-exported from the
 * entry points yet; fall back to their built modules so the process
 * scenarios work either way.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.BENCH_DIST
  ? pathToFileURL(`${resolve(process.env.BENCH_DIST)}/`)
  : new URL('../../dist/', import.meta.url);

const lib = await import(new URL('index.js', dist).href);

async function firstExport(name, paths) {
  for (const path of paths) {
    try {
      const module = await import(new URL(path, dist).href);
      if (module[name] !== undefined) return module[name];
    } catch {
      // Not built (yet) under this path: try the next one.
    }
  }
  throw new Error(`Cannot find export "${name}" in ${paths.join(', ')}: run the build first.`);
}

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

export const fromProcess =
  lib.fromProcess ?? (await firstExport('fromProcess', ['actors/fromProcess.js']));

export const fixtureCommand = await firstExport('fixtureCommand', [
  'testing/index.js',
  'testing/fixtureCommand.js',
]);
