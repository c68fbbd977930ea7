/**
 * Session chaos: a thousand sessions of in-memory actors under one manager
 * (journaled to a file), hit by
 * random crashes (some beyond their restart intensity), completions,
 * terminations and a `stop()` that races the actions still coming, with
 * microtask yields at random points (never timers: the clock is simulated,
 * so every restart falls in the same intensity window and a seed replays
 * exactly). `npm run chaos` runs it bigger and with more seeds.
 *
 * Checks: one terminal record per session; each `done` resolved once, equal
 * to the journal's record; the outcome the first decisive action called for;
 * and, at checkpoints, a live session's untouched children keep their refs
 * whatever happens to other children or other sessions.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, test } from 'vitest';
import { type AnyActorRef, SimulatedClock } from 'xstate';
import {
  createSessionManager,
  type Outcome,
  SessionError,
  type SessionManager,
  type SessionSpec,
  type TerminalRecord,
  whichChildren,
} from '../src/index.js';
import {
  chaosJournal,
  chaosSettings,
  createRandom,
  doneMatchesJournal,
  microtasks,
  oneTerminalEach,
  outcomeCounts,
  type Random,
  type Settlement,
  settlementOf,
} from './helpers/chaos.js';
import { worker, workerSpecs } from './helpers/workers.js';

const settings = chaosSettings({ seed: 20_250_611, sessions: 1000, timeoutMs: 20_000 });

/** What the test knows about one session, and what it did to it. */
interface Tracked {
  id: string;
  intensity: number;
  /** A significant transient child `agent`: FINISH on it completes the session. */
  hasAgent: boolean;
  workers: string[];
  settlement: Settlement;
  /** Child refs at the last checkpoint. */
  refs: Map<string, AnyActorRef | undefined>;
  /** Children an action reached since the last checkpoint. */
  touched: Set<string>;
  /** Restarts the actions caused before the outcome was decided. */
  restarts: number;
  /** The outcome the first decisive action called for. */
  decided: Outcome | undefined;
  /** The reason its terminal record must give. */
  reason: string | undefined;
  terminations: Promise<TerminalRecord>[];
}

function sessionSpec(random: Random, id: string): { spec: SessionSpec; tracked: Tracked } {
  const workers = ['a', 'b', 'c'].slice(0, random.int(2, 3));
  const intensity = random.int(1, 2);
  const hasAgent = random.chance(0.4);
  const log: string[] = [];
  const children = workerSpecs(workers, log);
  if (hasAgent) {
    children.push({
      id: 'agent',
      logic: worker,
      input: { name: 'agent', log },
      restart: 'transient',
      significant: true,
    });
  }
  const spec: SessionSpec = {
    id,
    intensity,
    // The simulated clock never moves: every restart is inside this window.
    period: 60_000,
    ...(hasAgent ? { autoShutdown: 'any_significant' as const } : {}),
    children,
  };
  return {
    spec,
    tracked: {
      id,
      intensity,
      hasAgent,
      workers,
      settlement: undefined as unknown as Settlement,
      refs: new Map(),
      touched: new Set(),
      restarts: 0,
      decided: undefined,
      reason: undefined,
      terminations: [],
    },
  };
}

function childRefs(manager: SessionManager, id: string): Map<string, AnyActorRef | undefined> {
  const supervisor = manager.findSupervisor(id);
  if (!supervisor) return new Map();
  return new Map(whichChildren(supervisor).map((child) => [child.id, child.ref]));
}

/** Sends `type` to a child if it is there and working; true when the event reached it. */
function sendToWorking(
  manager: SessionManager,
  tracked: Tracked,
  childId: string,
  type: 'CRASH' | 'FINISH',
): boolean {
  const ref = manager.getChild(tracked.id, childId);
  if (!ref) return false;
  const snapshot = ref.getSnapshot();
  if (snapshot.status !== 'active' || snapshot.value !== 'working') return false;
  tracked.touched.add(childId);
  ref.send({ type });
  return true;
}

/** A child exited: restarted while the intensity allows, else the session fails. */
function exited(tracked: Tracked, childId: string, how: string): void {
  if (tracked.decided) return;
  if (tracked.restarts < tracked.intensity) {
    tracked.restarts++;
    return;
  }
  decide(
    tracked,
    'failed',
    `Reached the maximum restart intensity (${tracked.intensity} restarts within 60000 ms); the last failure was child "${childId}": ${how}. The supervisor stopped its children and gave up; its parent decides what happens next.`,
  );
}

function decide(tracked: Tracked, outcome: Outcome, reason?: string): void {
  if (tracked.decided) return;
  tracked.decided = outcome;
  tracked.reason = reason;
}

/** One random action on one session; yields between the shots of a burst. */
async function act(manager: SessionManager, random: Random, tracked: Tracked): Promise<void> {
  const roll = random.next();
  if (roll < 0.45) {
    const childId = random.pick(childIds(tracked));
    if (sendToWorking(manager, tracked, childId, 'CRASH')) exited(tracked, childId, 'crash');
  } else if (roll < 0.6) {
    // Beyond intensity: crash one child until the session must fail.
    const childId = random.pick(childIds(tracked));
    for (let shot = 0; shot <= tracked.intensity; shot++) {
      if (sendToWorking(manager, tracked, childId, 'CRASH')) exited(tracked, childId, 'crash');
      if (random.chance(0.3)) await microtasks(random.int(1, 3));
    }
  } else if (roll < 0.7) {
    // A permanent worker that finishes is restarted too: it counts.
    const childId = random.pick(tracked.workers);
    if (sendToWorking(manager, tracked, childId, 'FINISH')) {
      exited(tracked, childId, 'exited normally');
    }
  } else if (roll < 0.85) {
    if (tracked.hasAgent && sendToWorking(manager, tracked, 'agent', 'FINISH')) {
      decide(tracked, 'completed');
    }
  } else {
    tracked.terminations.push(manager.terminateSession(tracked.id, 'chaos'));
    decide(tracked, 'cancelled', 'chaos');
  }
}

function childIds(tracked: Tracked): string[] {
  return tracked.hasAgent ? [...tracked.workers, 'agent'] : tracked.workers;
}

/**
 * Every session no action has decided is still running, and each child no
 * action reached since the last checkpoint has the same ref. Then the refs
 * are taken again.
 */
function checkpoint(manager: SessionManager, sessions: Tracked[]): string[] {
  const problems: string[] = [];
  for (const tracked of sessions) {
    const now = childRefs(manager, tracked.id);
    const state = manager.getSession(tracked.id)?.state;
    if (!tracked.decided && state !== 'running') {
      problems.push(`${tracked.id}: ${state}, expected running`);
    } else if (!tracked.decided) {
      for (const [childId, ref] of tracked.refs) {
        if (!tracked.touched.has(childId) && now.get(childId) !== ref) {
          problems.push(`${tracked.id}/${childId}: ref changed, no action reached it`);
        }
      }
    }
    tracked.refs = now;
    tracked.touched.clear();
  }
  return problems;
}

/**
 * Creates `count` sessions while acting on those already there, then calls
 * stop() at a random point and keeps acting for a while as it runs.
 */
async function drive(manager: SessionManager, random: Random, count: number) {
  const sessions: Tracked[] = [];
  const problems: string[] = [];
  const inflight: Promise<void>[] = [];
  const checkEvery = Math.max(1, Math.floor(count / 5));
  const stopAt = count + random.int(0, Math.floor(count / 2));
  let afterStop = random.int(0, Math.floor(count / 4));
  let stopping: Promise<void> | undefined;
  for (let step = 1; !stopping || afterStop-- > 0; step++) {
    if (sessions.length < count && (sessions.length === 0 || random.chance(0.35))) {
      const { spec, tracked } = sessionSpec(random, `s${sessions.length}`);
      const session = manager.createSession(spec);
      tracked.settlement = settlementOf(session.id, session.done);
      tracked.refs = childRefs(manager, tracked.id);
      sessions.push(tracked);
    } else {
      // Some actions run on while the next ones (and stop()) start.
      const action = act(manager, random, random.pick(sessions));
      if (random.chance(0.2)) inflight.push(action);
      else await action;
    }
    if (random.chance(0.3)) await microtasks(random.int(1, 4));
    if (stopping) continue;
    if (step % checkEvery === 0) problems.push(...checkpoint(manager, sessions));
    if (sessions.length === count && step >= stopAt) {
      problems.push(...checkpoint(manager, sessions));
      stopping = manager.stop();
      for (const tracked of sessions) decide(tracked, 'cancelled', 'the session manager stopped');
    }
  }
  try {
    manager.createSession({ id: 'late', children: workerSpecs(['a'], []) });
    problems.push('createSession after stop() did not throw');
  } catch (error) {
    if (!(error instanceof SessionError && error.code === 'stopped')) {
      problems.push(`createSession after stop() threw ${String(error)}`);
    }
  }
  await stopping;
  for (const { id, settlement } of sessions) {
    if (settlement.resolved + settlement.rejected === 0) {
      problems.push(`${id}: done still pending when stop() resolved`);
    }
  }
  await Promise.all(inflight);
  return { sessions, problems };
}

/** Retired sessions whose record is read back from the journal: a sample, each read costs a scan. */
const RETIRED_SAMPLE = 20;

/**
 * Outcome, reason and restarts as the actions called for; nothing of a
 * session left; the newest `retainEnded` ended sessions listed with their
 * outcome, the older ones retired yet still answered from the journal.
 */
async function checkEnds(
  manager: SessionManager,
  sessions: Tracked[],
  retainEnded: number,
): Promise<string[]> {
  const problems: string[] = [];
  let listed = 0;
  let retiredAsked = 0;
  for (const tracked of sessions) {
    const { id, settlement } = tracked;
    const record = settlement.record;
    if (!record) continue;
    if (record.outcome !== tracked.decided) {
      problems.push(`${id}: ${record.outcome}, expected ${tracked.decided}`);
    }
    if (record.restarts !== tracked.restarts) {
      problems.push(`${id}: ${record.restarts} restarts recorded, ${tracked.restarts} caused`);
    }
    if (record.reason !== tracked.reason) {
      problems.push(`${id}: reason ${record.reason}, expected ${tracked.reason}`);
    }
    if (manager.findSupervisor(id)) problems.push(`${id}: supervisor still found`);
    const view = manager.getSession(id);
    if (view) {
      listed++;
      if (view.state !== record.outcome) problems.push(`${id}: listed as ${view.state}`);
    }
    // Terminating an ended session again returns its record, in memory or retired.
    if (view || retiredAsked++ < RETIRED_SAMPLE) {
      tracked.terminations.push(manager.terminateSession(id, 'once more'));
    }
    for (const terminated of await Promise.all(tracked.terminations)) {
      if (!isDeepStrictEqual(terminated, record)) {
        problems.push(`${id}: terminateSession gave ${JSON.stringify(terminated)}`);
      }
    }
  }
  const shouldList = Math.min(sessions.length, retainEnded);
  if (listed !== shouldList) problems.push(`${listed} ended sessions listed, not ${shouldList}`);
  const leftKeys = manager.registry.keys('session_supervisor:');
  if (leftKeys.length > 0) problems.push(`registry still holds ${leftKeys.join(', ')}`);
  return problems;
}

async function runChaos(seed: number, count: number) {
  const disk = chaosJournal('chaos-sessions');
  try {
    // Half the ended sessions leave memory: retirement races the chaos too.
    const retainEnded = Math.ceil(count / 2);
    const manager = await createSessionManager({
      journal: disk.journal,
      clock: new SimulatedClock(),
      hostId: 'chaos',
      retainEnded,
    });
    let driven: Awaited<ReturnType<typeof drive>>;
    try {
      driven = await drive(manager, createRandom(seed), count);
    } finally {
      await manager.stop();
    }
    const { sessions, problems } = driven;
    const { records, problems: journalProblems } = await disk.readBack();
    const settlements = sessions.map((tracked) => tracked.settlement);
    problems.push(...journalProblems);
    problems.push(
      ...oneTerminalEach(
        records,
        sessions.map((tracked) => tracked.id),
      ),
    );
    problems.push(...doneMatchesJournal(records, settlements));
    problems.push(...(await checkEnds(manager, sessions, retainEnded)));
    return { problems, outcomes: outcomeCounts(settlements), sessions: sessions.length };
  } finally {
    disk.remove();
  }
}

describe('session chaos', () => {
  test(
    `${settings.sessions} sessions, seed ${settings.seed}: one record each, done = journal, untouched refs kept`,
    async () => {
      const { problems, outcomes, sessions } = await runChaos(settings.seed, settings.sessions);
      if (settings.report) console.log(`seed ${settings.seed}: ${sessions} sessions`, outcomes);
      expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([]);
      expect(sessions).toBe(settings.sessions);
      // A run this big reaches every outcome a session can have here.
      if (sessions >= 100) {
        expect(Object.keys(outcomes).sort()).toEqual(['cancelled', 'completed', 'failed']);
      }
    },
    settings.timeoutMs,
  );
});
