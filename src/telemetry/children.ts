/**
 * Child events of a session: `child:start`, `child:exit`, `child:restart`
 * and `supervisor:intensity`, read off the session's supervisor from
 * outside, from the `child.changed` events it emits and the final
 * snapshots of its children's actors.
 *
 * ```ts
 * observeSessionChildren(session.ref, 'fix-42', 'worker-1', whichChildren(session.ref));
 * ```
 *
 * Nothing is attached when none of these channels has a subscriber at the
 * time the session starts: a session started before anyone
 * subscribed publishes no child events (nor did it publish `session:start`).
 *
 * How a run ended comes from its actor's final snapshot: `error` is an
 * `abnormal` exit (with a process child's exit code or signal from its
 * `ProcessExitError`), `done` a `normal` one (or `shutdown` for a process
 * the supervisor asked to stop, whose output says `stopped`), `stopped` a
 * `shutdown` (stopped at once). A restart is a child whose restart count
 * grew: its reason is how the run before it ended, or `start_failed` when
 * there was no run (a restart that could not start, retried).
 */
import type { AnyActorRef } from 'xstate';
import { systemNow } from '../ground/clock.js';
import { errorMessage } from '../ground/errorMessage.js';
import { channels, publish } from './channels.js';
import type {
  ChildExitKind,
  ChildExitMessage,
  ChildRestartMessage,
  ChildStartMessage,
  SupervisorIntensityMessage,
} from './messages.js';

/** What a supervisor emits on `child.changed` (see `ChildChangedEvent`). */
interface ChildChange {
  id: string;
  status: string;
  restarts: number;
  ref: AnyActorRef | undefined;
  totalRestarts: number;
  nextRestartAt?: number;
}

interface Run {
  ref: AnyActorRef;
  restart: number;
}

interface FinalSnapshot {
  status?: string;
  output?: { exitCode?: unknown; signal?: unknown; stopped?: unknown };
  error?: { exitCode?: unknown; signal?: unknown; code?: unknown; childId?: unknown };
  context?: { pid?: unknown; options?: { intensity?: unknown; period?: unknown } };
}

const childChannelsListened = () =>
  channels.childStart.hasSubscribers ||
  channels.childExit.hasSubscribers ||
  channels.childRestart.hasSubscribers ||
  channels.supervisorIntensity.hasSubscribers;

function pidOf(snapshot: FinalSnapshot | undefined): number | undefined {
  const pid = snapshot?.context?.pid;
  return typeof pid === 'number' ? pid : undefined;
}

function exitKind(snapshot: FinalSnapshot): ChildExitKind {
  if (snapshot.status === 'error') return 'abnormal';
  if (snapshot.status === 'done') return snapshot.output?.stopped === true ? 'shutdown' : 'normal';
  return 'shutdown';
}

function exitMessage(
  sessionId: string,
  hostId: string,
  childId: string,
  run: Run,
  snapshot: FinalSnapshot,
): ChildExitMessage {
  const kind = exitKind(snapshot);
  const message: ChildExitMessage = { sessionId, hostId, childId, restart: run.restart, kind };
  const pid = pidOf(snapshot);
  if (pid !== undefined) message.pid = pid;
  const facts = kind === 'abnormal' ? snapshot.error : snapshot.output;
  if (typeof facts?.exitCode === 'number') message.exitCode = facts.exitCode;
  if (typeof facts?.signal === 'string') message.signal = facts.signal;
  if (kind === 'abnormal') message.error = errorMessage(snapshot.error);
  return message;
}

/**
 * Publishes the child events of one session (the session's supervisor),
 * from now until it ends; `current` are its children as they are now (what
 * started before it could be observed), reported first.
 */
export function observeSessionChildren(
  supervisor: AnyActorRef,
  sessionId: string,
  hostId: string,
  current: readonly Omit<ChildChange, 'totalRestarts'>[] = [],
): void {
  if (!childChannelsListened()) return;
  const runs = new Map<string, Run>();
  const restarts = new Map<string, number>();

  const changed = (change: ChildChange) => {
    const { id } = change;
    const run = runs.get(id);
    let ended: FinalSnapshot | undefined;
    if (run && run.ref !== change.ref) {
      runs.delete(id);
      ended = run.ref.getSnapshot() as FinalSnapshot;
      if (channels.childExit.hasSubscribers) {
        publish(channels.childExit, exitMessage(sessionId, hostId, id, run, ended));
      }
    }
    if (change.restarts > (restarts.get(id) ?? 0)) {
      restarts.set(id, change.restarts);
      if (channels.childRestart.hasSubscribers) {
        const reason = ended ? exitKind(ended) : 'start_failed';
        const message: ChildRestartMessage = {
          sessionId,
          hostId,
          childId: id,
          reason: reason === 'shutdown' ? 'normal' : reason,
          backoffMs:
            change.nextRestartAt === undefined
              ? 0
              : Math.max(0, change.nextRestartAt - systemNow(supervisor)),
          restarts: change.restarts,
          totalRestarts: change.totalRestarts,
        };
        if (ended?.status === 'error') message.error = errorMessage(ended.error);
        publish(channels.childRestart, message);
      }
    }
    if (change.status === 'running' && change.ref && !runs.has(id)) {
      const started: Run = { ref: change.ref, restart: change.restarts };
      runs.set(id, started);
      if (channels.childStart.hasSubscribers) {
        const message: ChildStartMessage = {
          sessionId,
          hostId,
          childId: id,
          restart: started.restart,
        };
        const pid = pidOf(change.ref.getSnapshot() as FinalSnapshot);
        if (pid !== undefined) message.pid = pid;
        publish(channels.childStart, message);
      }
    }
    if (change.status === 'deleted') restarts.delete(id);
  };
  for (const child of current) changed({ ...child, totalRestarts: 0 });
  supervisor.on('child.changed', changed);

  // A session that gave up ends `failed` with its supervisor's error in its
  // context; a plain supervisor errors with it (escalation).
  const gaveUp = (error: unknown) => {
    const failure = error as FinalSnapshot['error'];
    if (failure?.code !== 'max_restart_intensity') return;
    if (!channels.supervisorIntensity.hasSubscribers) return;
    const options = (supervisor.getSnapshot() as FinalSnapshot).context?.options;
    const restartCount = (error as { restarts?: unknown }).restarts;
    const message: SupervisorIntensityMessage = {
      sessionId,
      hostId,
      restarts: typeof restartCount === 'number' ? restartCount : 0,
      error: errorMessage(error),
    };
    if (typeof options?.intensity === 'number') message.intensity = options.intensity;
    if (typeof options?.period === 'number') message.periodMs = options.period;
    if (typeof failure.childId === 'string') message.childId = failure.childId;
    publish(channels.supervisorIntensity, message);
  };
  supervisor.subscribe({
    // Before the session's own end is published (its observer comes later).
    next: (snapshot) => {
      const { status, context } = snapshot as {
        status: string;
        context?: { ending?: { error?: unknown } };
      };
      if (status === 'done' && context?.ending?.error !== undefined) gaveUp(context.ending.error);
    },
    error: gaveUp,
  });
}
