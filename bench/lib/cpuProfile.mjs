/**
 * CPU profiles of chosen stretches of a scenario, through the inspector
 * protocol, for when `--cpu-prof` (the whole process) would mix the part that
 * matters with set-up. Enabled by BENCH_PROFILE_DIR=<dir>; otherwise a no-op.
 *
 * ```js
 * const profiler = await cpuProfiler();
 * await profiler.start();
 * ... the measured work ...
 * await profiler.stop('scale-100k'); // writes <dir>/scale-100k.cpuprofile
 * ```
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export async function cpuProfiler() {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return { start: async () => {}, stop: async () => {} };
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  return {
    start: () => session.post('Profiler.start'),
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      const file = join(dir, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.error(`  profile: ${file}`);
    },
  };
}
