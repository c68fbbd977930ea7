import { natsCluster } from './src/nats/index.ts';
import { startSession, terminal } from './test/helpers/natsStores.ts';
const url = 'nats://127.0.0.1:14222';
const prefix = 'q' + Math.floor(Math.random() * 1e6);
const open = (h) => natsCluster({ servers: url, prefix, leaseMs: 1000 }).open({ hostId: h, now: Date.now });
const a = await open('host-a');
const b = await open('host-b');
b.store.watch((e) => console.log('b event', performance.now().toFixed(1), JSON.stringify(e).slice(0, 150)));
console.log('start', performance.now().toFixed(1));
await startSession(a.store, 's1', { label: 'one' });
await Promise.all([
  a.store.append({ type: 'note', sessionId: 's1', at: Date.now(), n: 1 }),
  a.store.append({ type: 'note', sessionId: 's1', at: Date.now(), n: 2 }),
  a.store.append(terminal('s1', 'completed')),
]);
console.log('s2', performance.now().toFixed(1));
await startSession(a.store, 's2');
await new Promise((r) => setTimeout(r, 500));
await a.store.close(); await b.store.close();
