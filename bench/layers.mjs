/**
 * Where a session's cost goes, layer by layer: the same create → child done
 * cycle as the churn scenario, built up one layer at a time.
 *
 *   node --expose-gc bench/layers.mjs [--quick]
 *   BENCH_CLOCK=cpu BENCH_DIST=<candidate dist> node --expose-gc bench/layers.mjs
 *
 * bare        XState parent invoking the child (the churn baseline)
 * supervisor  a root supervisor with the child as a significant child
 * session     the session machine (the session's supervisor, with its lifecycle), no manager
 * manager     createSession on a manager with a journal that does nothing
 * +journal    the same with the default in-memory journal (the churn figure)
 *
 * Each figure is µs per cycle; the differences are what each layer adds.
 */
import { createActor } from 'xstate';
import {
  createRegistry,
  createSessionManager,
  createSupervisor,
  resolveSupervisorOptions,
  sessionMachine,
  whichChild,
} from './lib/library.mjs';
import { bareParent, finishingChild, sessionSpec } from './lib/machines.mjs';
import { microseconds, size } from './lib/measure.mjs';

const children = [{ id: 'work', logic: finishingChild, restart: 'transient', significant: true }];
const parent = bareParent(finishingChild);
const supervisor = createSupervisor({ autoShutdown: 'any_significant', children });
const registry = createRegistry();
const nullJournal = { open: async () => [], append: async () => {}, close: async () => {} };
const managers = {
  nullJournal: await createSessionManager({ journal: nullJournal }),
  memoryJournal: await createSessionManager(),
};
const spec = sessionSpec(finishingChild, { significant: true });

/** Starts `logic`, finishes the child `childOf` finds, resolves when the actor completes. */
function cycle(logic, options, childOf) {
  const actor = createActor(logic, options);
  const finished = new Promise((resolve, reject) =>
    actor.subscribe({ complete: resolve, error: reject }),
  );
  actor.start();
  childOf(actor).send({ type: 'finish' });
  return finished;
}

const childOfSupervisor = (sup) => whichChild(sup, 'work').ref;
let sessions = 0;

async function viaManager(manager) {
  const session = manager.createSession(spec);
  manager.getChild(session.id, 'work').send({ type: 'finish' });
  await session.done;
}

const us = await microseconds(
  {
    bare: () => cycle(parent, {}, (actor) => actor.getSnapshot().children.work),
    supervisor: () => cycle(supervisor, {}, childOfSupervisor),
    session: () => {
      const id = `s${sessions++}`;
      const input = {
        id,
        createdAt: Date.now(),
        supervisor: resolveSupervisorOptions({
          children,
          autoShutdown: 'any_significant',
          registry,
          registerAs: `session_supervisor:${id}`,
          environment: { sessionId: id },
        }),
      };
      return cycle(sessionMachine, { input }, childOfSupervisor);
    },
    manager: () => viaManager(managers.nullJournal),
    '+journal': () => viaManager(managers.memoryJournal),
  },
  { rounds: size(9, 3), time: size(9000, 1500) },
);
for (const manager of Object.values(managers)) await manager.stop();

let previous;
for (const [layer, value] of Object.entries(us)) {
  const added = previous === undefined ? '' : `  (+${(value - previous).toFixed(1)})`;
  console.log(
    `${layer.padEnd(11)} ${value.toFixed(1).padStart(7)} µs  ${(value / us.bare).toFixed(2)}x bare${added}`,
  );
  previous = value;
}
