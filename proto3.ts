import { natsCluster } from './src/nats/index.ts';
import { rawRecords, startSession } from './test/helpers/natsStores.ts';
const url = 'nats://127.0.0.1:14222';
const prefix = 'q' + Math.floor(Math.random() * 1e6);
const open = (h) => natsCluster({ servers: url, prefix, leaseMs: 1000 }).open({ hostId: h, now: Date.now });
const first = await open('host-a');
first.store.watch((e) => console.log('first event', JSON.stringify(e)));
await startSession(first.store, 'f1');
const second = await open('host-a');
console.log('leftovers', second.leftovers);
console.log((await rawRecords(url, prefix, 'f1')).map((r) => [r.seq, r.record.type, r.msgId]));
try { await first.store.append({ type: 'note', sessionId: 'f1', at: Date.now() }); console.log('append ok'); } catch (e) { console.log('append err', e.code); }
console.log((await rawRecords(url, prefix, 'f1')).map((r) => [r.seq, r.record.type, r.msgId]));
await first.store.close(); await second.store.close();
