/**
 * Scenario: what an ended session costs once it has left memory
 * (`retainEnded`). A manager on a file journal keeps 1,000 ended sessions;
 * then many more sessions run to their end in batches. Every one beyond the
 * bound leaves memory but its id stays used, so the heap grows only by what
 * remembering that id takes. Target: under 300 bytes per retired session.
 *
 * The journal is a file (the memory journal would keep every record), and
 * sessions end in batches so that their terminal records share an fsync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessionManager } from '../lib/library.mjs';
import { finishingChild, sessionSpec } from '../lib/machines.mjs';
import { quick, settledHeap } from '../lib/measure.mjs';
import { row } from '../lib/report.mjs';

const RETAINED = 1_000;
const RETIRED = quick ? 20_000 : 100_000;
const BATCH = 1_000;

async function endSessions(manager, spec, count) {
  for (let done = 0; done < count; done += BATCH) {
    const sessions = [];
    for (let i = 0; i < BATCH; i++) {
      const session = manager.createSession(spec);
      manager.getChild(session.id, 'work').send({ type: 'finish' });
      sessions.push(session.done);
    }
    await Promise.all(sessions);
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'xotp-bench-retention-'));
  try {
    const manager = await createSessionManager({
      journal: join(dir, 'journal.jsonl'),
      retainEnded: RETAINED,
    });
    const spec = sessionSpec(finishingChild, { significant: true });
    // Fill the retained window first: from here on every ended session retires one.
    await endSessions(manager, spec, RETAINED * 2);
    const before = await settledHeap();
    await endSessions(manager, spec, RETIRED);
    const after = await settledHeap();
    const listed = manager.listSessions().length;
    await manager.stop();
    const perRetired = (after - before) / RETIRED;
    return [
      row({
        scenario: 'heap per retired ended session',
        ours: perRetired,
        unit: 'bytes/session',
        target: { oursMax: 300 },
        details: { retained: RETAINED, retired: RETIRED, listed },
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
