/**
 * Holds idle sessions live for a heap profile: what each one retains, by
 * allocation site. V8 writes the profile at exit, while they are all live.
 *
 *   node --expose-gc --heap-prof --heap-prof-interval=4096 --heap-prof-dir=bench/.prof \
 *     bench/heap-sessions.mjs [count]
 *   node bench/profile.mjs bench/.prof/<file>.heapprofile
 *
 * Pass `bare` as the count's companion (`bench/heap-sessions.mjs 10000 bare`)
 * to profile bare XState parents with the same child instead.
 */
import { createActor } from 'xstate';
import { createSessionManager } from './lib/library.mjs';
import { bareParent, idleChild, sessionSpec } from './lib/machines.mjs';
import { drain, settledHeap } from './lib/measure.mjs';

const count = Number(process.argv[2] ?? 10_000);
const bare = process.argv[3] === 'bare';
const before = await settledHeap();
const kept = [];
if (bare) {
  const parent = bareParent(idleChild);
  for (let i = 0; i < count; i++) kept.push(createActor(parent).start());
} else {
  const manager = await createSessionManager();
  const spec = sessionSpec(idleChild);
  for (let i = 0; i < count; i++) kept.push(manager.createSession(spec));
}
await drain();
const after = await settledHeap();
console.log(
  `${count} ${bare ? 'bare parents' : 'idle sessions'}: ${((after - before) / count / 1024).toFixed(2)} KiB each`,
);
process.exit(0);
