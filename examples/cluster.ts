/**
 * Cluster mode: two hosts, one NATS server. Each host is a session manager
 * with its own `hostId`; the sessions one starts, the other sees, finds and
 * reaches.
 *
 *   nats-server -js -sd /tmp/nats-store &          # Debian: apt-get install nats-server
 *   npm run build && npx node examples/cluster.ts [nats://127.0.0.1:4222]
 *
 * What happens:
 * - `worker-1` starts a review session whose agent waits for an approval;
 *   `worker-2` lists it (with `host: 'worker-1'`), locates it, and sends
 *   the approval from its side: the session completes on `worker-1`.
 * - `worker-1` starts a long task; `worker-2` terminates it (`cancelled`).
 * - `worker-2` tries to start a session under an id `worker-1` used: the
 *   id is refused (`duplicate_id`) and nothing is written under it.
 * - `worker-2` reads the history of ended sessions from the stream.
 *
 * Both hosts run in this one process for the sake of the example; in
 * production each is its own process or machine. Every run uses a fresh
 * prefix, so runs never see each other's sessions.
 */
import { fileURLToPath } from 'node:url';
import { createMachine } from 'xstate';
import {
  createSessionManager,
  type SessionManager,
  type SessionSpec,
  type SessionView,
  type TerminalRecord,
} from 'xstate-otp';
import { natsCluster } from 'xstate-otp/nats';

/** An agent that finishes when someone approves its work. */
const reviewAgent = createMachine({
  id: 'reviewAgent',
  initial: 'awaitingApproval',
  states: {
    awaitingApproval: { on: { APPROVE: 'approved' } },
    approved: { type: 'final' },
  },
});

const session = (id: string): SessionSpec => ({
  id,
  autoShutdown: 'any_significant',
  metadata: { title: `example session ${id}` },
  children: [{ id: 'agent', logic: reviewAgent, restart: 'transient', significant: true }],
});

/** Resolves once `manager` shows session `id` in a state `accept` likes. */
function shown(
  manager: SessionManager,
  id: string,
  accept: (view: SessionView) => boolean,
): Promise<SessionView> {
  return new Promise((resolve) => {
    const check = () => {
      const view = manager.getSession(id);
      if (view && accept(view)) {
        subscription.unsubscribe();
        resolve(view);
      }
    };
    const subscription = manager.dashboard.subscribe(check);
    check();
  });
}

export interface ClusterExampleResult {
  seenOnSecondHost: SessionView;
  located: { hostId: string; local: boolean } | undefined;
  approved: TerminalRecord;
  terminated: TerminalRecord;
  refusedCode: string | undefined;
  history: string[];
}

export async function main(
  options: { servers?: string; log?: (line: string) => void } = {},
): Promise<ClusterExampleResult> {
  const servers = options.servers ?? process.argv[2] ?? 'nats://127.0.0.1:4222';
  const log = options.log ?? console.log;
  const prefix = `example${Date.now().toString(36)}`;
  const cluster = () => natsCluster({ servers, prefix, leaseMs: 2000 });

  const one = await createSessionManager({ hostId: 'worker-1', cluster: cluster() });
  const two = await createSessionManager({ hostId: 'worker-2', cluster: cluster() });
  try {
    const review = one.createSession(session('review-42'));
    const seenOnSecondHost = await shown(two, 'review-42', (view) => view.state === 'running');
    log(`worker-2 sees review-42: ${seenOnSecondHost.state} on ${seenOnSecondHost.host}`);
    const located = await two.locate('review-42');
    log(`worker-2 locates review-42 on ${located?.hostId} (local: ${located?.local})`);
    await two.send('review-42', 'agent', { type: 'APPROVE' });
    const approved = await review.done;
    log(`review-42: ${approved.outcome} on ${approved.host}`);

    const long = one.createSession(session('long-task'));
    await shown(two, 'long-task', (view) => view.state === 'running');
    const terminated = await two.terminateSession('long-task', 'no longer needed');
    await long.done;
    log(`long-task: ${terminated.outcome} (${terminated.reason}), terminated from worker-2`);

    let refusedCode: string | undefined;
    try {
      await two.createSession(session('review-42')).done;
    } catch (error) {
      refusedCode = (error as { code?: string }).code;
    }
    log(`worker-2 creating review-42 again: ${refusedCode}`);

    const history = (await two.history({ limit: 10 })).map((view) => `${view.id} ${view.outcome}`);
    log(`history, newest first: ${history.join(', ')}`);
    return { seenOnSecondHost, located, approved, terminated, refusedCode, history };
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
