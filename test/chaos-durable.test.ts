/**
 * Durable chaos: durable sessions on one host (test/fixtures/chaos-durable-host.mjs),
 * the host SIGKILLed at seeded instants (while it opens and resumes, after
 * a seeded number of acknowledged sends with checkpoints in flight, or just
 * after a FINISH was acknowledged) and the sessions' processes SIGKILLed
 * at random, then the journal reopened by a new host, again and again,
 * until a last host finishes every session still live. `npm run chaos` runs it bigger (`CHAOS_DURABLE_SESSIONS`) and
 * with more seeds.
 *
 * Some sessions are `counter`s (one machine child counting INC), some are
 * `agent`s (the counter and a process child the test kills; each kill is a
 * restart). Hosts send INC to random sessions and print `send` before and
 * `acked <count>` after each send resolves; now and then one sends FINISH.
 * Kills are planned from the seed before anything starts and land on
 * events (a line printed by the host), never after a sleep; only the OS's
 * timing varies between two runs of a seed.
 *
 * Checks: exactly one terminal record per session, each `completed`, with
 * `attempts` one more than its `resumed` records (numbered 2, 3, …); no
 * acknowledged count ever lost (each ack is one more than the last, or
 * more only by sends of a killed host that were never acknowledged); each
 * session's final state (its last checkpoint) equal to its last
 * acknowledged count, again up to such sends; no torn or locked journal;
 * and every pid seen (hosts, their watchdogs, the processes) gone.
 *
 * Two stores: the file journal (one host at a time), and a 2-host cluster
 * on a real nats-server, where two hosts run side by side, each killed at
 * its own seeded instants and followed by a new host; a survivor resumes a
 * dead host's sessions (the lease is `CLUSTER_LEASE_MS`). A session whose
 * host died between its claim and its `created` record may end
 * `interrupted` (nothing of it was ever acknowledged). `CHAOS_DURABLE_STORE`
 * runs one of them (`file` or `nats`; default both).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JournalRecord } from '../src/index.js';
import { clusterScope, natsCluster } from '../src/nats/natsCluster.js';
import { findMarkedProcesses, isPidAlive, SCOPE_MARKER_ENV } from '../src/testing/index.js';
import { chaosJournal, chaosSettings, createRandom, oneTerminalEach } from './helpers/chaos.js';
import { watchdogOf } from './helpers/host-kill.js';
import { natsSuite, type SingleNats, startNatsServer } from './helpers/nats-server.js';
import { uniquePrefix } from './helpers/nats-stores.js';
import { checkPidsAfterEach, trackPids } from './helpers/processes.js';

checkPidsAfterEach();

const settings = chaosSettings(
  { seed: 20_261_206, sessions: 24, timeoutMs: 60_000 },
  'CHAOS_DURABLE_SESSIONS',
);
const stores = (process.env.CHAOS_DURABLE_STORE ?? 'file,nats').split(',');
/** Long enough that a host stalled by a loaded machine does not fence itself. */
const CLUSTER_LEASE_MS = 2000;

type Store = 'file' | 'nats';
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * How one host run ends: killed as it opens, killed after `acks`
 * acknowledged sends, killed as soon as a `send(FINISH)` has resolved (the
 * session's terminal record must be on disk by then), or final.
 */
type Life =
  | { kill: 'opening' }
  | { kill: 'acks'; acks: number }
  | { kill: 'finished' }
  | { kill: 'none' };

interface Plan {
  sessions: { id: string; type: 'counter' | 'agent' }[];
  /** Hosts side by side (one on a file journal), each a sequence of lives. */
  slots: Life[][];
  /** Chance that an acknowledged send is followed by the kill of a process of the sessions. */
  processKillChance: number;
}

function planOf(seed: number, size: number, store: Store): Plan {
  const random = createRandom(seed);
  const sessions = Array.from({ length: size }, (_, i) => ({
    id: `d${i}`,
    type: random.chance(0.2) ? ('agent' as const) : ('counter' as const),
  }));
  const lives = (count: number) =>
    Array.from({ length: count }, (): Life => {
      const roll = random.next();
      if (roll < 0.2) return { kill: 'opening' };
      if (roll < 0.35) return { kill: 'finished' };
      return { kill: 'acks', acks: random.int(1, Math.max(8, size * 2)) };
    });
  // The first hosts create the sessions: an early kill there is one more resume later.
  const slots = store === 'file' ? [lives(random.int(3, 5))] : [lives(2), lives(random.int(2, 3))];
  return { sessions, slots, processKillChance: 0.05 };
}

/** What the test knows of one session's acknowledged count. */
interface Acks {
  acked: number;
  /** The host (its pid) that printed a send not acknowledged yet. */
  inFlight: number | undefined;
  /** The host (its pid) whose `send(FINISH)` to this session resolved. */
  finishedBy?: number;
  /** Sends of killed hosts never acknowledged: each may or may not have taken effect. */
  unacked: number;
}

interface RunResult {
  problems: string[];
  /** Acknowledged sends, process kills, host kills. */
  tally: {
    acks: number;
    processKills: number;
    hostKills: number;
    /** Sessions resumed after a `send(FINISH)` to them had resolved (see the note in the test). */
    finishesResumed: number;
    /** `resumed` records: attempts after the first. */
    resumes: number;
  };
}

/** Where the hosts keep their sessions: a journal file, or a cluster on a nats-server. */
interface Target {
  store: Store;
  /** The hosts' storage options (fixture config). */
  config: Record<string, unknown>;
  /** Every record, and what is wrong with the storage itself. */
  readBack(
    sessionIds: readonly string[],
  ): Promise<{ records: JournalRecord[]; problems: string[] }>;
  /** Processes the hosts `hostIds` left. */
  leftovers(hostIds: readonly string[]): number[];
  remove(): void;
}

function fileTarget(): Target {
  const disk = chaosJournal('chaos-durable');
  return {
    store: 'file',
    config: { store: 'file', journal: disk.journal.path },
    readBack: () => disk.readBack(),
    leftovers: () => findMarkedProcesses({ name: SCOPE_MARKER_ENV, value: disk.journal.scope }),
    remove: () => disk.remove(),
  };
}

function natsTarget(servers: string): Target {
  const prefix = uniquePrefix();
  return {
    store: 'nats',
    config: { store: 'nats', servers, prefix, leaseMs: CLUSTER_LEASE_MS },
    async readBack(sessionIds) {
      const options = { servers, prefix, leaseMs: CLUSTER_LEASE_MS, timeoutMs: 10_000 };
      const { store } = await natsCluster(options).open({
        hostId: 'auditor',
        now: () => Date.now(),
      });
      const problems: string[] = [];
      try {
        const records = (await Promise.all(sessionIds.map((id) => store.records(id)))).flat();
        for (const id of sessionIds) {
          const owner = await store.locate(id);
          if (owner) problems.push(`${id}: still owned by ${owner.hostId} after its end`);
        }
        return { records, problems };
      } finally {
        await store.close();
      }
    },
    leftovers: (hostIds) =>
      hostIds.flatMap((hostId) =>
        findMarkedProcesses({ name: SCOPE_MARKER_ENV, value: clusterScope(prefix, hostId) }),
      ),
    remove: () => {},
  };
}

async function runChaos(seed: number, size: number, target: Target): Promise<RunResult> {
  const plan = planOf(seed, size, target.store);
  const random = createRandom(seed ^ 0x5eed);
  const problems: string[] = [];
  const acks = new Map<string, Acks>(
    plan.sessions.map(({ id }) => [id, { acked: 0, inFlight: undefined, unacked: 0 }]),
  );
  /** Each host's pid, in the order they started. */
  const hostPids: number[] = [];
  const tally = { acks: 0, processKills: 0, hostKills: 0, finishesResumed: 0, resumes: 0 };
  let hosts = 0;

  try {
    // Side by side, each slot one host after another; then a last host finishes what is left.
    await Promise.all(
      plan.slots.map(async (lives) => {
        for (const life of lives) await runHost(hosts++, life);
      }),
    );
    await runHost(hosts++, { kill: 'none' });
    const ids = plan.sessions.map((s) => s.id);
    const { records, problems: storeProblems } = await target.readBack(ids);
    problems.push(...storeProblems);
    problems.push(...oneTerminalEach(records, ids));
    problems.push(...checkRecords(records));
    const left = target.leftovers(hostPids.map((pid) => `host-${pid}`));
    if (left.length > 0) problems.push(`processes of the hosts' scopes left: ${left.join(', ')}`);
  } finally {
    target.remove();
  }
  return { problems, tally };

  /** One host run, to its planned end. */
  async function runHost(n: number, life: Life): Promise<void> {
    const config = {
      ...target.config,
      sessions: plan.sessions,
      seed: (seed + n * 7919) >>> 0,
      workers: 8,
      finishChance: 0.5 / Math.max(1, size / 8),
      final: life.kill === 'none',
    };
    const host = spawn(
      process.execPath,
      [
        '--import',
        join(fixtures, 'register-ts.mjs'),
        join(fixtures, 'chaos-durable-host.mjs'),
        JSON.stringify(config),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    trackPids([host.pid!]);
    hostPids.push(host.pid!);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      host.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const processes = new Set<number>();
    let acked = 0;
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      tally.hostKills++;
      host.kill('SIGKILL');
    };
    let buffered = '';
    host.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) onLine(line);
    });

    function onLine(line: string): void {
      // Lines printed before the kill landed still count: a `send` may have taken effect.
      const [word, id, value] = line.split(' ');
      const session = id === undefined ? undefined : acks.get(id);
      if (['send', 'refused', 'acked', 'finished'].includes(word!) && session === undefined) {
        problems.push(`host ${n}: a line about no session of the plan: ${line}`);
        return;
      }
      switch (word) {
        case 'opening':
          if (life.kill === 'opening') kill();
          return;
        case 'open': {
          const watchdog = watchdogOf(host.pid!);
          if (watchdog !== undefined) trackPids([watchdog]);
          return;
        }
        case 'proc':
          processes.add(Number(id));
          trackPids([Number(id)]);
          return;
        case 'send':
          session!.inFlight = host.pid!;
          return;
        case 'refused':
          // Rejected (the session moved on): it may or may not have taken effect.
          if (session!.inFlight === host.pid) session!.unacked++;
          session!.inFlight = undefined;
          return;
        case 'acked': {
          const count = Number(value);
          const { acked: last, unacked } = session!;
          if (count < last + 1 || count > last + 1 + unacked) {
            problems.push(
              `${id}: acknowledged count ${count} after ${last} (with ${unacked} unacknowledged send(s) of killed hosts): host ${n}`,
            );
          }
          Object.assign(session!, { acked: count, inFlight: undefined, unacked: 0 });
          tally.acks++;
          acked++;
          if (!killed && processes.size > 0 && random.chance(plan.processKillChance)) {
            const pid = random.pick([...processes]);
            processes.delete(pid);
            try {
              process.kill(pid, 'SIGKILL');
              tally.processKills++;
            } catch {
              // Already gone (its session ended).
            }
          }
          if (life.kill === 'acks' && acked >= life.acks) kill();
          return;
        }
        case 'finished':
          session!.finishedBy = host.pid!;
          if (life.kill === 'finished') kill();
          return;
        case 'idle':
          // Every session ended before the planned kill: this host is done.
          kill();
          return;
        default:
          return;
      }
    }

    const { code, signal } = await exited;
    if (life.kill === 'none') {
      if (code !== 0) problems.push(`final host ${n} exited with ${code ?? signal}`);
    } else if (!killed) {
      problems.push(`host ${n} exited on its own before its planned kill (${code ?? signal})`);
    }
    for (const session of acks.values()) {
      if (session.inFlight !== host.pid) continue;
      session.unacked++;
      session.inFlight = undefined;
    }
  }

  /** A `resumed` record written by a host started after the host `pid`. */
  /**
   * A `resumed` record taking the session from the host `pid`: that host's
   * run of it did not end durably. (Start order would not do: hosts run
   * side by side in the cluster.)
   */
  function resumedFrom(record: JournalRecord, pid: number): boolean {
    return (record as { from?: string }).from === `host-${pid}`;
  }

  /** Terminal records, attempts, and each session's last checkpoint against its acks. */
  function checkRecords(records: readonly JournalRecord[]): string[] {
    const found: string[] = [];
    const bySession = new Map<string, JournalRecord[]>();
    for (const record of records) {
      const list = bySession.get(record.sessionId) ?? [];
      list.push(record);
      bySession.set(record.sessionId, list);
    }
    for (const { id } of plan.sessions) {
      const own = bySession.get(id) ?? [];
      const terminal = own.find((r) => r.type === 'terminal') as
        | (JournalRecord & { outcome: string; attempts?: number; reason?: string })
        | undefined;
      if (!terminal) continue; // oneTerminalEach names it
      // Its host died between the claim and the `created` record: nothing was acknowledged.
      const neverCreated =
        terminal.outcome === 'interrupted' &&
        (terminal.reason ?? '').includes('before its created record') &&
        acks.get(id)!.acked === 0 &&
        acks.get(id)!.finishedBy === undefined;
      if (terminal.outcome !== 'completed' && !neverCreated) {
        found.push(`${id}: ended ${terminal.outcome} (${terminal.reason ?? 'no reason'})`);
      }
      const resumed = own
        .filter((r) => r.type === 'resumed')
        .map((r) => (r as JournalRecord & { attempt: number }).attempt);
      tally.resumes += resumed.length;
      const expected = resumed.map((_, i) => i + 2);
      if (JSON.stringify(resumed) !== JSON.stringify(expected)) {
        found.push(`${id}: resumed attempts ${JSON.stringify(resumed)}`);
      }
      if (terminal.attempts !== resumed.length + 1) {
        found.push(`${id}: terminal attempts ${terminal.attempts}, ${resumed.length} resumes`);
      }
      if (own.indexOf(terminal) !== own.length - 1) {
        found.push(`${id}: records after its terminal record`);
      }
      // An acknowledged FINISH ended the session: `send` resolved once its
      // terminal record was durable, so no later attempt may run it again.
      const { finishedBy } = acks.get(id)!;
      if (
        finishedBy !== undefined &&
        own.some((r) => r.type === 'resumed' && resumedFrom(r, finishedBy))
      ) {
        tally.finishesResumed++;
        found.push(`${id}: resumed after a send(FINISH) to it was acknowledged`);
      }
      const checkpoints = own.filter(
        (r) => r.type === 'checkpoint' && (r as { childId?: string }).childId === 'counter',
      );
      const last = checkpoints.at(-1) as
        | (JournalRecord & { snapshot: { context: { count: number } } })
        | undefined;
      const count = last?.snapshot.context.count ?? 0;
      const { acked, unacked } = acks.get(id)!;
      if (count < acked || count > acked + unacked) {
        found.push(
          `${id}: final count ${count}, last acknowledged ${acked} (${unacked} unacknowledged send(s) of killed hosts)`,
        );
      }
    }
    return found;
  }
}

function reportAndCheck(store: Store, { problems, tally }: RunResult): void {
  if (settings.report) {
    console.log(
      `seed ${settings.seed}: durable ${settings.sessions} sessions (${store}), ${tally.hostKills} host kills, ${tally.processKills} process kills, ${tally.acks} acks, ${tally.resumes} resumes, ${tally.finishesResumed} sessions resumed after an acknowledged FINISH, ${problems.length} problems`,
    );
  }
  expect(problems).toEqual([]);
  expect(tally.hostKills).toBeGreaterThan(0);
}

describe.runIf(stores.includes('file'))('durable chaos, file journal', () => {
  test(
    `seed ${settings.seed}: ${settings.sessions} durable sessions, hosts and processes killed, reopened until every session ended`,
    async () => {
      reportAndCheck('file', await runChaos(settings.seed, settings.sessions, fileTarget()));
    },
    settings.timeoutMs,
  );
});

const natsStore = stores.includes('nats') ? natsSuite : describe.skip;
natsStore('durable chaos, 2-host cluster', () => {
  let server: SingleNats;
  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.dispose();
    if (server) expect(isPidAlive(server.pid)).toBe(false);
  });

  test(
    `seed ${settings.seed}: ${settings.sessions} durable sessions, two hosts side by side killed and replaced, survivors resume`,
    async () => {
      reportAndCheck(
        'nats',
        await runChaos(settings.seed, settings.sessions, natsTarget(server.url)),
      );
    },
    settings.timeoutMs * 2,
  );
});
