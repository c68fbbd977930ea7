/**
 * Scenario 2, restart: a one_for_one child crashes and a new one is running.
 * Baseline: a bare XState parent that answers its child's error with
 * `stopChild` + `spawnChild`. Both are driven the same way: the crash event
 * is sent to the current child, and the send returns once the replacement
 * runs (XState delivers the error to the parent synchronously).
 */
import { createActor, setup, spawnChild, stopChild } from 'xstate';
import { createSupervisor, whichChild } from '../lib/library.mjs';
import { crashingChild } from '../lib/machines.mjs';
import { microseconds } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const bareParent = setup({ actors: { child: crashingChild } }).createMachine({
  entry: spawnChild('child', { id: 'w' }),
  on: { 'xstate.error.actor.w': { actions: [stopChild('w'), spawnChild('child', { id: 'w' })] } },
});

export async function run() {
  const bare = createActor(bareParent).start();
  const bareCrash = () => {
    const before = bare.getSnapshot().children.w;
    before.send({ type: 'crash' });
    if (bare.getSnapshot().children.w === before) throw new Error('bare child not replaced');
  };

  // The window must never fill: a huge intensity over a 1 ms period keeps
  // the restart log short (OTP's add_restart prunes it the same way).
  const supervisor = createActor(
    createSupervisor({
      strategy: 'one_for_one',
      intensity: Number.MAX_SAFE_INTEGER,
      period: 1,
      children: [{ id: 'w', logic: crashingChild }],
    }),
  );
  supervisor.subscribe({ error: (error) => console.error('supervisor failed', error) });
  supervisor.start();
  const ourCrash = () => {
    const before = whichChild(supervisor, 'w').ref;
    before.send({ type: 'crash' });
    const after = whichChild(supervisor, 'w');
    if (after.ref === before || after.status !== 'running') throw new Error('child not restarted');
  };

  const us = await microseconds({ bare: bareCrash, supervisor: ourCrash });
  const restarts = whichChild(supervisor, 'w').restarts;
  supervisor.stop();
  bare.stop();
  return [
    row({
      scenario: 'restart (one_for_one crash → running)',
      ours: us.supervisor,
      baseline: us.bare,
      unit: 'µs/restart',
      baselineName: 'bare stopChild + spawnChild on xstate.error.actor',
      target: { ratioMax: 1.2 },
      details: { restarts },
    }),
  ];
}
