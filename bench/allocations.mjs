/**
 * Who allocates during session churn: a sampling heap profile that keeps the
 * objects already collected, so it shows the garbage each create → done
 * cycle makes (the GC share of the churn and scale figures), by allocation
 * site. Writes a .heapprofile for bench/profile.mjs and prints bytes/session.
 *
 *   node --expose-gc bench/allocations.mjs [sessions] [bare]
 *   node bench/profile.mjs bench/.prof/allocations.heapprofile
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createActor } from 'xstate';
import { createSessionManager } from './lib/library.mjs';
import { bareParent, finishingChild, sessionSpec } from './lib/machines.mjs';

const count = Number(process.argv[2] ?? 5000);
const bare = process.argv[3] === 'bare';
const manager = await createSessionManager();
const spec = sessionSpec(finishingChild, { significant: true });
const parent = bareParent(finishingChild);

async function cycle() {
  if (bare) {
    const actor = createActor(parent);
    const finished = new Promise((resolve) => actor.subscribe({ complete: resolve }));
    actor.start();
    actor.getSnapshot().children.work.send({ type: 'finish' });
    return finished;
  }
  const session = manager.createSession(spec);
  manager.getChild(session.id, 'work').send({ type: 'finish' });
  await session.done;
}

for (let i = 0; i < 1000; i++) await cycle(); // warm-up
const inspector = new Session();
inspector.connect();
await inspector.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
for (let i = 0; i < count; i++) await cycle();
const { profile } = await inspector.post('HeapProfiler.stopSampling');
await manager.stop();

let bytes = 0;
const walk = (node) => {
  bytes += node.selfSize;
  for (const child of node.children) walk(child);
};
walk(profile.head);
mkdirSync('bench/.prof', { recursive: true });
const file = `bench/.prof/allocations${bare ? '-bare' : ''}.heapprofile`;
writeFileSync(file, JSON.stringify(profile));
console.log(
  `${(bytes / count / 1024).toFixed(1)} KiB allocated per ${bare ? 'bare run' : 'session'}; ${file}`,
);
