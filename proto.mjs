import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
const nc = await connect({ servers: 'nats://127.0.0.1:14222' });
console.log('version', nc.info.version);
const jsm = await jetstreamManager(nc);
const js = jetstream(nc);
await jsm.streams.add({ name: 'p_journal', subjects: ['p.journal.>'], allow_direct: true });
let t = performance.now();
const a1 = await js.publish('p.journal.s1', '{"a":1}', { expect: { lastSubjectSequence: 0 }, msgID: 'x1' });
console.log('pub', a1, performance.now() - t);
t = performance.now();
for (let i = 0; i < 100; i++) await js.publish('p.journal.s2', `{"i":${i}}`);
console.log('100 pubs ms', performance.now() - t);
try { await js.publish('p.journal.s1', '{"a":2}', { expect: { lastSubjectSequence: 0 }, msgID: 'x2' }); } catch (e) { console.log('err', e.constructor.name, e.code, e.message); }
const dup = await js.publish('p.journal.s1', '{"a":1}', { expect: { lastSubjectSequence: 0 }, msgID: 'x1' });
console.log('dup', dup);
// direct next_by_subj
const m = await jsm.direct.getMessage('p_journal', { next_by_subj: 'p.journal.s2', seq: 5 });
console.log('direct next', m?.seq, m?.string(), m?.header?.get?.('Nats-Msg-Id'));
const last = await jsm.streams.getMessage('p_journal', { last_by_subj: 'p.journal.s1' });
console.log('last', last?.seq, last?.header.get('Nats-Msg-Id'), last?.time);
const none = await jsm.streams.getMessage('p_journal', { last_by_subj: 'p.journal.zz' }).catch(e=>e);
console.log('none', none, none?.code);
const none2 = await jsm.direct.getMessage('p_journal', { last_by_subj: 'p.journal.zz' }).catch(e=>e);
console.log('none direct', none2);
// ordered consumer, last per subject
const c = await js.consumers.get('p_journal', { deliver_policy: DeliverPolicy.LastPerSubject, filter_subjects: 'p.journal.>' });
const it = await c.fetch({ max_messages: 100, expires: 1000 });
for await (const msg of it) { console.log('lps', msg.subject, msg.seq, msg.info.pending); if (msg.info.pending === 0) break; }
// consume new
const c2 = await js.consumers.get('p_journal', { opt_start_seq: 103 });
const msgs = await c2.consume();
(async () => { for await (const msg of msgs) console.log('feed', msg.seq, msg.subject, performance.now()); })();
// kv
const kvm = new Kvm(nc);
const hosts = await kvm.create('p_hosts', { history: 1, ttl: 1000 });
const r = await hosts.create('h1', '{"i":1}');
console.log('kv create rev', r, (await hosts.status()).ttl);
const t0 = performance.now();
let e; do { e = await hosts.get('h1'); await new Promise(r => setTimeout(r, 20)); } while (e && e.operation === 'PUT');
console.log('expired after', performance.now() - t0, e);
try { await hosts.update('h1', 'x', r); } catch (err) { console.log('update after expiry', err.code, err.message); }
console.log('create again', await hosts.create('h1', 'y'));
await js.publish('p.journal.s3', 'hi');
await new Promise(r => setTimeout(r, 200));
console.log('pub time', performance.now());
await nc.close();
