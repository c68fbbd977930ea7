/**
 * Scenario 1, session churn: create a session with one in-memory child, let
 * the child finish, await `done` (the terminal record is in the memory
 * journal). Baseline: a bare XState parent machine invoking the same child,
 * run to done. Both drive the child to its final state with one event sent
 * to its ref, the way an agent would be told its work is over.
 *
 * A second row runs the same cycle one session at a time in a plain loop
 * (create, finish, await done, next), the way a caller that waits for each
 * outcome uses it: blocks of each side alternate, and the median block is kept.
 */
import { createActor } from 'xstate';
import { createSessionManager } from '../lib/library.mjs';
import { bareParent, finishingChild, sessionSpec } from '../lib/machines.mjs';
import { microseconds, size } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const parent = bareParent(finishingChild);

function bareRun() {
  const actor = createActor(parent);
  const finished = new Promise((resolve, reject) =>
    actor.subscribe({ complete: resolve, error: reject }),
  );
  actor.start();
  actor.getSnapshot().children.work.send({ type: 'finish' });
  return finished;
}

export async function run() {
  const manager = await createSessionManager();
  const spec = sessionSpec(finishingChild, { significant: true });

  const sessionRun = async () => {
    const session = manager.createSession(spec);
    manager.getChild(session.id, 'work').send({ type: 'finish' });
    const record = await session.done;
    if (record.outcome !== 'completed') throw new Error(`session ended ${record.outcome}`);
  };

  const us = await microseconds({ bare: bareRun, session: sessionRun });
  const oneAtATime = await sequentialMicroseconds({ bare: bareRun, session: sessionRun });
  await manager.stop();
  return [
    row({
      scenario: 'session churn (create → done)',
      ours: us.session,
      baseline: us.bare,
      unit: 'µs/session',
      baselineName: 'bare parent invoking one child, run to done',
      target: { ratioMax: 2.5 },
    }),
    row({
      scenario: 'one session at a time (create → await done)',
      ours: oneAtATime.session,
      baseline: oneAtATime.bare,
      unit: 'µs/session',
      baselineName: 'the bare parent, one at a time',
      target: { ratioMax: 3 },
    }),
  ];
}

/** µs per call of each task run back to back in a plain loop; blocks alternate, median kept. */
async function sequentialMicroseconds(tasks) {
  const perBlock = size(2000, 500);
  const blocks = size(7, 3);
  const samples = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
  for (let block = 0; block < blocks; block++) {
    const order = Object.entries(tasks);
    if (block % 2 === 1) order.reverse();
    for (const [name, task] of order) {
      globalThis.gc?.();
      const start = performance.now();
      for (let i = 0; i < perBlock; i++) await task();
      samples[name].push(((performance.now() - start) * 1000) / perBlock);
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return Object.fromEntries(Object.entries(samples).map(([name, v]) => [name, median(v)]));
}
