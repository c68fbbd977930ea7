/**
 * Awaited sends on durable sessions, for a CPU profile of what each costs:
 * `sessions` durable sessions (one ping child each, file journal in a
 * temporary directory) each send `events` awaited pings, all sessions at
 * once, five rounds (the first warms up). Prints events/s and CPU µs per
 * event for each round.
 *
 *   node --cpu-prof --cpu-prof-dir=bench/.prof bench/durable-sends.mjs [sessions] [events]
 *   node bench/profile.mjs bench/.prof/<file>.cpuprofile
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessionManager } from './lib/library.mjs';
import { pingChild } from './lib/machines.mjs';

const sessions = Number(process.argv[2] ?? 100);
const events = Number(process.argv[3] ?? 50);
const sessionTypes = { ping: () => ({ children: [{ id: 'work', logic: pingChild }] }) };
const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-durable-sends-'));
const manager = await createSessionManager({ journal: join(dir, 'journal.jsonl'), sessionTypes });
const ids = Array.from(
  { length: sessions },
  (_, i) => manager.createSession({ id: `d-${i}`, type: 'ping' }).id,
);
for (let round = 0; round < 5; round++) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    ids.map(async (id) => {
      for (let i = 0; i < events; i++) await manager.send(id, 'work', { type: 'ping' });
    }),
  );
  const { user, system } = process.cpuUsage(cpu);
  const total = sessions * events;
  const rate = total / ((performance.now() - start) / 1000);
  console.log(
    `round ${round}: ${rate.toFixed(0)} events/s, ${((user + system) / total).toFixed(1)} µs cpu/event`,
  );
}
await manager.stop();
await rm(dir, { recursive: true, force: true });
