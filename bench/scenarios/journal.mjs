/**
 * Scenario 6, durable journal.
 *
 * End to end: 1,000 sessions complete at once and each `done` resolves only
 * once its terminal record is fsynced. The figure is terminal records per
 * second, from telling the 1,000 children to finish until the last `done`
 * resolves. Ours runs on the file journal, which group-commits (records that
 * arrive while a write+fsync is in flight share the next one); the baseline
 * is the very same manager and sessions on the naive journal, one
 * `appendFile` + `fdatasync` per record (see naiveJournal.mjs).
 *
 * Journal alone: 1,000 concurrent terminal-record appends, file journal
 * against the naive one, without sessions: what group commit buys by itself.
 *
 * Two warm-up rounds come first. Rounds then alternate between ours and the
 * baseline so both see the same disk and background load. Files go to a
 * temporary directory (os.tmpdir()).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileJournal, createSessionManager } from '../lib/library.mjs';
import { finishingChild, sessionSpec } from '../lib/machines.mjs';
import { median, quick } from '../lib/measure.mjs';
import { createNaiveJournal } from '../lib/naiveJournal.mjs';
import { observedJournal } from '../lib/observedJournal.mjs';
import { row } from '../lib/report.mjs';

const COMPLETIONS = 1000;
const ROUNDS = quick ? 2 : 5;

/** Records/s for 1,000 sessions completing together on `journal`. */
async function completions(journal) {
  const manager = await createSessionManager({ journal });
  const spec = sessionSpec(finishingChild, { significant: true });
  const sessions = Array.from({ length: COMPLETIONS }, () => manager.createSession(spec));
  await journal.idle(); // the `created` and `started` records are out of the way
  const syncsBefore = journal.stats?.syncs;
  const start = performance.now();
  for (const session of sessions) manager.getChild(session.id, 'work').send({ type: 'finish' });
  const records = await Promise.all(sessions.map((session) => session.done));
  const seconds = (performance.now() - start) / 1000;
  const syncs = journal.stats && journal.stats.syncs - syncsBefore;
  await manager.stop();
  if (records.some((record) => record.outcome !== 'completed')) throw new Error('not completed');
  return { rate: COMPLETIONS / seconds, syncs };
}

/** Records/s for 1,000 concurrent terminal appends straight to `journal`. */
async function appends(journal) {
  await journal.open();
  const at = Date.now();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: COMPLETIONS }, (_, i) =>
      journal.append({
        type: 'terminal',
        at,
        sessionId: `s-${i}`,
        outcome: 'completed',
        createdAt: at,
        endedAt: at,
        restarts: 0,
      }),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  await journal.close();
  return COMPLETIONS / seconds;
}

export async function run() {
  const dir = await mkdtemp(join(tmpdir(), 'xstate-otp-bench-'));
  const file = (name) => join(dir, name);
  try {
    const rates = { ours: [], naive: [], oursAlone: [], naiveAlone: [] };
    const fsyncs = [];
    // Warm-up rounds, not counted: the first thousand sessions run unoptimised code.
    for (let round = 0; round < 2; round++) {
      await completions(observedJournal(createFileJournal(file(`w${round}.jsonl`))));
      await appends(createFileJournal(file(`wa${round}.jsonl`)));
    }
    for (let round = 0; round < ROUNDS; round++) {
      const naive = await completions(observedJournal(createNaiveJournal(file(`n${round}.jsonl`))));
      const ours = await completions(observedJournal(createFileJournal(file(`o${round}.jsonl`))));
      rates.naive.push(naive.rate);
      rates.ours.push(ours.rate);
      fsyncs.push(ours.syncs);
      rates.naiveAlone.push(await appends(createNaiveJournal(file(`na${round}.jsonl`))));
      rates.oursAlone.push(await appends(createFileJournal(file(`oa${round}.jsonl`))));
    }
    return [
      row({
        scenario: 'journal: 1000 concurrent session completions',
        ours: median(rates.ours),
        baseline: median(rates.naive),
        unit: 'records/s',
        baselineName: 'same sessions on a journal doing appendFile + fdatasync per record',
        target: { ratioMin: 5 },
        details: { rounds: { ours: rates.ours, naive: rates.naive }, fsyncsPer1000: fsyncs },
      }),
      row({
        scenario: 'journal alone: 1000 concurrent appends',
        ours: median(rates.oursAlone),
        baseline: median(rates.naiveAlone),
        unit: 'records/s',
        baselineName: 'appendFile + fdatasync per record, 1000 concurrent',
        target: { ratioMin: 5 },
        details: { rounds: { ours: rates.oursAlone, naive: rates.naiveAlone } },
      }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
