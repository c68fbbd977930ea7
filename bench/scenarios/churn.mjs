/**
 * Scenario 1, session churn: create a session with one in-memory child, let
 * the child finish, await `done` (the terminal record is in the memory
 * journal). Baseline: a bare XState parent machine invoking the same child,
 * run to done. Both drive the child to its final state with one event sent
 * to its ref, the way an agent would be told its work is over.
 */
import { createActor } from 'xstate';
import { createSessionManager } from '../lib/library.mjs';
import { bareParent, finishingChild, sessionSpec } from '../lib/machines.mjs';
import { microseconds } from '../lib/measure.mjs';
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
  await manager.stop();
  return [
    row({
      scenario: 'session churn (create → done)',
      ours: us.session,
      baseline: us.bare,
      unit: 'µs/session',
      baselineName: 'bare parent invoking one child, run to done',
      target: { ratioMax: 2 },
    }),
  ];
}
