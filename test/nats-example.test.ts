/**
 * examples/cluster.ts runs against a real nats-server and the built
 * package (`xstate-otp` and `xstate-otp/nats` resolve to dist/, as for a
 * consumer).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isPidAlive } from '../src/testing/processes.js';
import { ensureBuilt } from './helpers/cli.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';

natsSuite('examples/cluster.ts', () => {
  let server: SingleNats;
  beforeAll(async () => {
    ensureBuilt();
    server = await startNatsServer();
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  it('two hosts, one NATS: listed, located, approved and terminated across hosts; a used id refused', async () => {
    const { main } = await import('../examples/cluster.js');
    const lines: string[] = [];
    const result = await main({ servers: server.url, log: (line) => lines.push(line) });
    expect(result.seenOnSecondHost).toMatchObject({ id: 'review-42', host: 'worker-1' });
    expect(result.located).toEqual({ hostId: 'worker-1', local: false });
    expect(result.approved).toMatchObject({ outcome: 'completed', host: 'worker-1' });
    expect(result.terminated).toMatchObject({ outcome: 'cancelled', reason: 'no longer needed' });
    expect(result.refusedCode).toBe('duplicate_id');
    expect(result.history).toEqual(['long-task cancelled', 'review-42 completed']);
    expect(lines[0]).toBe('worker-2 sees review-42: running on worker-1');
  });
});
