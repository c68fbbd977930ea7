/**
 * The owners bucket's scan against releases racing it: entries it counted
 * that are released (their message deleted) before they are delivered must
 * not make it wait for ever, which once left a survivor's sweeper stuck and
 * its `close()` hanging after two survivors raced for a dead host.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type ClusterLink, connectCluster } from '../src/nats/connection.js';
import { resolveClusterOptions } from '../src/nats/options.js';
import { type OwnerValue, ownersBucket } from '../src/nats/owners.js';
import { isPidAlive } from '../src/testing/processes.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import { uniquePrefix } from './helpers/nats-stores.js';

const owner = (host: string): OwnerValue => ({
  host,
  incarnation: `${host}-1`,
  epoch: 1,
  createdAt: 1,
});

/**
 * The link, with `afterConsumerCreated` run once a scan's consumer exists
 * (it has counted the entries) and before it fetches any: the moment a
 * release on another host can slip in. Reads make their consumers through
 * `link.api(timeout).js`, so that is where the hook goes.
 */
function withHook(link: ClusterLink, afterConsumerCreated: () => Promise<void>): ClusterLink {
  const hooked = (js: JetStreamClient): JetStreamClient => {
    const consumers = js.consumers;
    const wrapped: JetStreamClient = Object.create(js);
    Object.defineProperty(wrapped, 'consumers', {
      value: {
        get: async (...args: Parameters<typeof consumers.get>) => {
          const consumer = await consumers.get(...args);
          await afterConsumerCreated();
          return consumer;
        },
      },
    });
    return wrapped;
  };
  return {
    ...link,
    api: async (timeoutMs) => {
      const api = await link.api(timeoutMs);
      return { ...api, js: hooked(api.js) };
    },
  };
}

natsSuite('owners bucket scan', () => {
  let server: SingleNats;
  const links: ClusterLink[] = [];
  let ids = 0;

  const open = async () => {
    const options = resolveClusterOptions({
      servers: server.url,
      prefix: uniquePrefix(),
      leaseMs: 1000,
      timeoutMs: 5000,
    });
    const link = await connectCluster(options, 'scanner');
    links.push(link);
    return link;
  };

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterEach(async () => {
    await Promise.allSettled(links.splice(0).map((link) => link.nc.close()));
  });
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  it('every entry counted is released before delivery: the scan ends, empty', async () => {
    const link = await open();
    const plain = ownersBucket(link, () => `inc:${ids++}`, 5000);
    const revisions = await Promise.all(
      ['a', 'b', 'c'].map(async (id) => ({ id, revision: (await plain.claim(id, owner('h')))! })),
    );
    let released = false;
    const racing = ownersBucket(
      withHook(link, async () => {
        if (released) return;
        released = true;
        for (const { id, revision } of revisions) await plain.release(id, revision);
      }),
      () => `inc:${ids++}`,
      5000,
    );
    const started = performance.now();
    expect(await racing.scan()).toEqual([]);
    expect(released).toBe(true);
    // It waits for nothing that will not come: well under the 5 s budget.
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it('some entries counted are released before delivery: the scan returns the others', async () => {
    const link = await open();
    const plain = ownersBucket(link, () => `inc:${ids++}`, 5000);
    const revisions = new Map<string, number>();
    for (const id of ['a', 'b', 'c', 'd']) revisions.set(id, (await plain.claim(id, owner(id)))!);
    const racing = ownersBucket(
      withHook(link, async () => {
        await plain.release('b', revisions.get('b')!);
        await plain.release('d', revisions.get('d')!);
      }),
      () => `inc:${ids++}`,
      5000,
    );
    const entries = await racing.scan();
    expect(
      entries.map((entry) => [entry.sessionId, entry.revision, entry.value.host]).sort(),
    ).toEqual([
      ['a', revisions.get('a'), 'a'],
      ['c', revisions.get('c'), 'c'],
    ]);
    // Without a race, the scan sees what is there.
    expect((await plain.scan()).map((entry) => entry.sessionId).sort()).toEqual(['a', 'c']);
  });
});
