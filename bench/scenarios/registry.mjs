/**
 * Scenario 3, registry.
 *
 * Lookups: `registry.lookup(key)` over 10,000 live registered actors, keys
 * precomputed, in batches (one lookup is far below the timer's resolution).
 * Baseline: `Map.get` on a map of the same keys; the target is absolute.
 *
 * Send through the registry: `manager.getChild(sessionId, childId).send(e)`
 * against `ref.send(e)` on the very same child, with an event that updates
 * its context.
 */
import { createActor } from 'xstate';
import { createRegistry, createSessionManager, sessionSupervisorKey } from '../lib/library.mjs';
import { idleChild, pingChild } from '../lib/machines.mjs';
import { drain, microseconds } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const ACTORS = 10_000;
const BATCH = 1000;
const SEND_BATCH = 100;

async function lookups() {
  const registry = createRegistry();
  const map = new Map();
  const actors = [];
  const keys = [];
  for (let i = 0; i < ACTORS; i++) {
    const actor = createActor(idleChild).start();
    const key = sessionSupervisorKey(`session-${i}`);
    registry.register(key, actor);
    map.set(key, actor);
    actors.push(actor);
    keys.push(key);
  }
  // A fixed pseudo-random order, so lookups do not walk the map in insertion order.
  const order = Array.from({ length: BATCH }, (_, i) => keys[(i * 7919) % ACTORS]);
  let sink = 0;
  const us = await microseconds(
    {
      map: () => {
        for (const key of order) if (map.get(key) !== undefined) sink++;
      },
      registry: () => {
        for (const key of order) if (registry.lookup(key) !== undefined) sink++;
      },
    },
    { batch: BATCH },
  );
  for (const actor of actors) actor.stop();
  if (sink === 0) throw new Error('no lookup hit');
  return row({
    scenario: 'registry lookup',
    ours: 1e6 / us.registry,
    baseline: 1e6 / us.map,
    unit: 'lookups/s',
    baselineName: 'Map.get on the same keys',
    target: { oursMin: 10_000_000 },
  });
}

async function sends() {
  const manager = await createSessionManager();
  const session = manager.createSession({ children: [{ id: 'agent', logic: pingChild }] });
  await drain();
  const direct = manager.getChild(session.id, 'agent');
  const ping = { type: 'ping' };
  const us = await microseconds(
    {
      direct: () => {
        for (let i = 0; i < SEND_BATCH; i++) direct.send(ping);
      },
      getChild: () => {
        for (let i = 0; i < SEND_BATCH; i++) manager.getChild(session.id, 'agent').send(ping);
      },
    },
    { batch: SEND_BATCH },
  );
  const pings = direct.getSnapshot().context.pings;
  await manager.stop();
  return row({
    scenario: 'getChild(id, c).send vs ref.send',
    ours: 1e6 / us.getChild,
    baseline: 1e6 / us.direct,
    unit: 'sends/s',
    baselineName: 'ref.send on the same child',
    target: { ratioMin: 0.95 },
    details: { pings },
  });
}

export async function run() {
  return [await lookups(), await sends()];
}
