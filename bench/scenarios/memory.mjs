/**
 * Scenario 4, memory: heap retained per idle session with one child, after a
 * full GC, against a bare XState parent invoking the same idle child. Then
 * the absolute figure for 100,000 idle sessions in one process.
 *
 * The session figure is everything the manager keeps for a live session:
 * three actors (session, its supervisor, the child), the registry entry, the
 * dashboard row and the default in-memory journal's `created` and `started`
 * records. With --quick the 100k figure is extrapolated from 10k sessions.
 */
import { createActor } from 'xstate';
import { createSessionManager } from '../lib/library.mjs';
import { bareParent, idleChild, sessionSpec } from '../lib/machines.mjs';
import { drain, quick, settledHeap } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const SESSIONS = quick ? 10_000 : 100_000;
const GIB = 1024 ** 3;

async function retainedPerItem(count, make) {
  const kept = new Array(count);
  const before = await settledHeap();
  for (let i = 0; i < count; i++) kept[i] = make(i);
  await drain();
  const after = await settledHeap();
  return { total: after - before, perItem: (after - before) / count, kept };
}

export async function run() {
  const parent = bareParent(idleChild);
  const bare = await retainedPerItem(SESSIONS, () => createActor(parent).start());
  for (const actor of bare.kept) actor.stop();
  bare.kept = undefined;

  const manager = await createSessionManager();
  const spec = sessionSpec(idleChild);
  const ours = await retainedPerItem(SESSIONS, () => manager.createSession(spec));
  const rss = process.memoryUsage().rss;
  const stopStart = performance.now();
  await manager.stop();
  const stopMs = performance.now() - stopStart;

  const total100k = (ours.perItem * 100_000) / GIB;
  return [
    row({
      scenario: 'memory per idle session',
      ours: ours.perItem / 1024,
      baseline: bare.perItem / 1024,
      unit: 'KiB/session',
      baselineName: 'bare parent + invoked idle child',
      target: { ratioMax: 1.5 },
      details: { sessions: SESSIONS },
    }),
    row({
      scenario: `100k idle sessions${quick ? ' (from 10k)' : ''}`,
      ours: total100k,
      unit: 'GiB heap',
      target: { oursMax: 1 },
      details: { sessions: SESSIONS, rssMiB: rss / 2 ** 20, stopMs },
    }),
  ];
}
