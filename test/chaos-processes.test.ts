/**
 * Process chaos: a hundred sessions whose children are real processes (the
 * fixture, hanging; some with a `setsid` daemon under them), SIGKILLed from
 * outside at random, some beyond their session's restart intensity, then
 * terminated or stopped while a last volley of kills is still landing.
 * `npm run chaos` runs it bigger and with more seeds.
 *
 * Every kill is planned from the seed before anything starts, and each one
 * waits for its target: the root as soon as it is spawned (maybe while it
 * is still starting its daemon), or once its whole tree has announced
 * itself. So a seed always kills the same processes of the same sessions in
 * the same order per session; only the OS's timing varies. Waits are on
 * events (`process.started`, the `pid:` lines, a child's end, `done`),
 * never on sleeps.
 *
 * Checks: one terminal record per session in the journal file; each `done`
 * resolved once, equal to that record; the outcome, reason and restarts the
 * kills call for; every process start seen; the roots carrying the
 * journal's scope marker; and once `stop()` has resolved, no process carrying
 * the journal's or a session's marker, and every pid learnt gone.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, test } from 'vitest';
import {
  createSessionManager,
  fromProcess,
  type Outcome,
  type RestartType,
  type SessionManager,
  type SessionSpec,
  type TerminalRecord,
} from '../src/index.js';
import {
  countDescendants,
  type FixtureDescendant,
  findMarkedProcesses,
  fixtureCommand,
  SCOPE_MARKER_ENV,
  SESSION_MARKER_ENV,
  waitForPidsGone,
} from '../src/testing/index.js';
import {
  chaosJournal,
  chaosSettings,
  createRandom,
  doneMatchesJournal,
  oneTerminalEach,
  outcomeCounts,
  type Random,
  type Settlement,
  settlementOf,
} from './helpers/chaos.js';
import { ended, type PidLearner, pidLearner } from './helpers/pid-learner.js';
import { checkPidsAfterEach } from './helpers/processes.js';

checkPidsAfterEach();

const settings = chaosSettings(
  { seed: 20_250_612, sessions: 100, timeoutMs: 20_000 },
  'CHAOS_PROCESS_SESSIONS',
);

/** Unique to this run: other test files run sessions (and processes) of their own meanwhile. */
const runTag = `pc${process.pid}`;

interface ChildPlan {
  id: string;
  restart: RestartType;
  /** A `setsid` daemon under the root, or nothing. */
  daemon: boolean;
}

interface Kill {
  childId: string;
  /**
   * `root`: the root once the whole tree is up; `early`: the root as soon as
   * it is spawned, maybe while it is still starting its daemon; either is a
   * restart. `daemon`: the daemon, which restarts nothing.
   */
  target: 'root' | 'early' | 'daemon';
}

interface SessionPlan {
  id: string;
  intensity: number;
  children: ChildPlan[];
  kills: Kill[];
  /** Ended by terminateSession rather than by stop(). */
  terminate: boolean;
  /** Children whose root gets one more SIGKILL as the session is being stopped. */
  volley: string[];
}

interface Expected {
  outcome: Outcome;
  restarts: number;
  /** Process starts: the first of each child and every restart. */
  starts: number;
  /** A regex for a failure, the exact reason otherwise. */
  reason: string | RegExp;
}

function planSession(random: Random, index: number): SessionPlan {
  const intensity = random.int(1, 3);
  const children: ChildPlan[] = Array.from({ length: random.chance(0.15) ? 2 : 1 }, (_, i) => ({
    id: `p${i}`,
    restart: random.pick(['permanent', 'transient'] as const),
    daemon: random.chance(0.2),
  }));
  const kills: Kill[] = [];
  // Some sessions are killed past their intensity.
  const rootKills = random.chance(0.15) ? intensity + 1 : Number(random.chance(0.3));
  for (let i = 0; i < rootKills; i++) {
    const child = random.pick(children);
    if (child.daemon && random.chance(0.3)) kills.push({ childId: child.id, target: 'daemon' });
    kills.push({ childId: child.id, target: random.chance(0.4) ? 'root' : 'early' });
  }
  return {
    id: `${runTag}-${index}`,
    intensity,
    children,
    kills,
    terminate: random.chance(0.4),
    volley: children.filter(() => random.chance(0.2)).map((child) => child.id),
  };
}

function expectedOf(plan: SessionPlan): Expected {
  const rootKills = plan.kills.filter((kill) => kill.target !== 'daemon');
  if (rootKills.length > plan.intensity) {
    const last = rootKills[plan.intensity]!;
    return {
      outcome: 'failed',
      restarts: plan.intensity,
      starts: plan.children.length + plan.intensity,
      reason: new RegExp(`maximum restart intensity.*child "${last.childId}".*SIGKILL`, 's'),
    };
  }
  return {
    outcome: 'cancelled',
    restarts: rootKills.length,
    starts: plan.children.length + rootKills.length,
    reason: plan.terminate ? 'chaos' : 'the session manager stopped',
  };
}

function specOf(plan: SessionPlan): SessionSpec {
  return {
    id: plan.id,
    intensity: plan.intensity,
    // Real time: every kill of a run falls inside this window.
    period: 600_000,
    children: plan.children.map((child) => ({
      id: child.id,
      logic: fromProcess(),
      restart: child.restart,
      input: fixtureCommand({
        mode: 'hang',
        announce: true,
        spawn: daemonOf(child),
      }),
    })),
  };
}

function daemonOf(child: ChildPlan): FixtureDescendant[] {
  return child.daemon ? [{ setsid: true }] : [];
}

/** Sends SIGKILL; true when it reached a process. */
function killNow(pid: number, problems: string[], what: string): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch (error) {
    problems.push(`${what}: SIGKILL to ${pid} failed (${(error as Error).message})`);
    return false;
  }
}

/** Carries out one session's kills, each once its target's whole tree is up. */
async function runKills(
  manager: SessionManager,
  learner: PidLearner,
  plan: SessionPlan,
  problems: string[],
): Promise<void> {
  for (const [index, kill] of plan.kills.entries()) {
    const what = `${plan.id}/${kill.childId} kill ${index}`;
    const child = plan.children.find((c) => c.id === kill.childId)!;
    const ref = manager.getChild(plan.id, kill.childId);
    if (!ref) {
      problems.push(`${what}: no running child`);
      return;
    }
    const size = kill.target === 'early' ? 0 : 1 + countDescendants(daemonOf(child));
    const tree = await learner.whenUp(ref, size).catch((error: Error) => {
      problems.push(`${what}: ${error.message}`);
      return undefined;
    });
    if (!tree) return;
    if (kill.target === 'daemon') {
      killNow(tree.announced[0]!, problems, what);
      continue;
    }
    killNow(tree.root!, problems, what);
    await ended(ref);
  }
}

/** Kills, then terminations and stop() in one tick with a last volley of kills landing meanwhile. */
async function drive(
  manager: SessionManager,
  learner: PidLearner,
  plans: SessionPlan[],
  problems: string[],
) {
  const dones = new Map<string, Promise<TerminalRecord>>();
  const settlements = new Map<string, Settlement>();
  for (const plan of plans) {
    const session = manager.createSession(specOf(plan));
    dones.set(plan.id, session.done);
    settlements.set(plan.id, settlementOf(plan.id, session.done));
  }
  await Promise.all(plans.map((plan) => runKills(manager, learner, plan, problems)));
  // The doomed sessions end by themselves.
  const doomed = plans.filter((plan) => expectedOf(plan).outcome === 'failed');
  await Promise.allSettled(doomed.map((plan) => dones.get(plan.id)));

  const terminations = new Map<string, Promise<TerminalRecord>>();
  for (const plan of plans) {
    if (plan.terminate) terminations.set(plan.id, manager.terminateSession(plan.id, 'chaos'));
  }
  const stopped = manager.stop();
  let volley = 0;
  for (const plan of plans) {
    for (const childId of plan.volley) {
      const ref = manager.getChild(plan.id, childId);
      const root = ref && learner.rootOf(ref);
      // It may be gone already (the shutdown's SIGTERM got there first): no problem.
      if (root !== undefined && killNow(root, [], 'volley')) volley++;
    }
  }
  await stopped;
  // Terminating an ended session again returns its record.
  for (const plan of plans) {
    if (!plan.terminate) terminations.set(plan.id, manager.terminateSession(plan.id, 'once more'));
  }
  for (const [id, terminated] of terminations) {
    const record = await terminated;
    if (!isDeepStrictEqual(record, settlements.get(id)?.record)) {
      problems.push(`${id}: terminateSession gave ${JSON.stringify(record)}, done another`);
    }
  }
  return { settlements, volley };
}

/** Outcome, reason and restarts as the plan calls for; every process start seen. */
function checkOutcomes(
  plans: SessionPlan[],
  settlements: Map<string, Settlement>,
  learner: PidLearner,
): string[] {
  const problems: string[] = [];
  let starts = 0;
  for (const plan of plans) {
    const record = settlements.get(plan.id)?.record;
    const expected = expectedOf(plan);
    starts += expected.starts;
    if (!record) continue;
    if (record.outcome !== expected.outcome || record.restarts !== expected.restarts) {
      problems.push(
        `${plan.id}: ${record.outcome} after ${record.restarts} restarts, expected ${expected.outcome} after ${expected.restarts}`,
      );
    }
    const reasonOk =
      typeof expected.reason === 'string'
        ? record.reason === expected.reason
        : expected.reason.test(record.reason ?? '');
    if (!reasonOk)
      problems.push(`${plan.id}: reason ${record.reason}, expected ${expected.reason}`);
  }
  if (learner.roots.size !== starts) {
    problems.push(`${learner.roots.size} process starts seen, ${starts} expected`);
  }
  return problems;
}

async function runChaos(seed: number, count: number) {
  const random = createRandom(seed);
  const plans = Array.from({ length: count }, (_, index) => planSession(random, index));
  const learner = pidLearner();
  const disk = chaosJournal('chaos-processes');
  try {
    const manager = await createSessionManager({
      journal: disk.journal,
      inspect: learner.inspect,
      hostId: 'chaos',
    });
    const problems: string[] = [];
    let driven: Awaited<ReturnType<typeof drive>>;
    try {
      driven = await drive(manager, learner, plans, problems);
    } finally {
      // Whatever went wrong, nothing of this run may keep running.
      await manager.stop();
    }
    const { settlements, volley } = driven;
    problems.push(...(await leftovers(plans, learner, disk.journal.scope)));
    const { records, problems: journalProblems } = await disk.readBack();
    problems.push(...journalProblems);
    problems.push(
      ...oneTerminalEach(
        records,
        plans.map((plan) => plan.id),
      ),
    );
    problems.push(...doneMatchesJournal(records, [...settlements.values()]));
    problems.push(...checkOutcomes(plans, settlements, learner));
    return {
      problems,
      outcomes: outcomeCounts([...settlements.values()]),
      pids: learner.all.size,
      kills: plans.reduce((total, plan) => total + plan.kills.length, 0) + volley,
    };
  } finally {
    disk.remove();
  }
}

/**
 * stop() resolves once every session's terminal record is written, and a
 * session writes it only after its processes are gone: nothing may be left,
 * learnt or not. The marker scans see none at once; the pid check allows a
 * moment, because a process in its kernel exit path has already lost its
 * environment (so no scan finds it any more) while `kill(pid, 0)` and its
 * `stat` still count it until it is a zombie; on a loaded machine that takes
 * a few milliseconds.
 */
async function leftovers(
  plans: SessionPlan[],
  learner: PidLearner,
  scope: string,
): Promise<string[]> {
  const problems: string[] = [];
  if (learner.scopes.size !== 1 || !learner.scopes.has(scope)) {
    problems.push(`processes carried scopes ${[...learner.scopes].join(', ')}, not ${scope}`);
  }
  // One scan for every process of this manager's journal, then one per session.
  const scoped = findMarkedProcesses({ name: SCOPE_MARKER_ENV, value: scope });
  if (scoped.length > 0) problems.push(`processes of this journal left: ${scoped.join(', ')}`);
  for (const plan of plans) {
    const marked = findMarkedProcesses({ name: SESSION_MARKER_ENV, value: plan.id });
    if (marked.length > 0) problems.push(`${plan.id}: marked processes left: ${marked.join(', ')}`);
  }
  await waitForPidsGone(learner.all, { timeoutMs: 1000 }).catch((error: Error) => {
    problems.push(`after stop(): ${error.message}`);
  });
  return problems;
}

describe('process chaos', () => {
  test(
    `${settings.sessions} process sessions, seed ${settings.seed}: SIGKILLs from outside, one record each, nothing left`,
    async () => {
      const { problems, outcomes, pids, kills } = await runChaos(settings.seed, settings.sessions);
      if (settings.report)
        console.log(`seed ${settings.seed}: ${pids} pids, ${kills} kills`, outcomes);
      expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([]);
      // A run this big reaches every outcome a session can have here.
      if (settings.sessions >= 50)
        expect(Object.keys(outcomes).sort()).toEqual(['cancelled', 'failed']);
    },
    settings.timeoutMs,
  );
});
