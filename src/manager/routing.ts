/**
 * Location transparency: `send`, `terminateSession` and `locate` find a
 * session wherever it runs. A session of this host is reached through its
 * actor; one of another host (cluster mode) through the store's request to
 * its owner, which answers with the same local calls (`serveRequests`).
 *
 * ```ts
 * await manager.send('fix-bug-42', 'agent', { type: 'review' }); // here or on its owner
 * await manager.locate('fix-bug-42'); // { hostId: 'worker-2', local: false }
 * ```
 *
 * A local durable session's `send` resolves once the checkpoint the event
 * produced is durable (see `checkpoints.ts`).
 */
import type { AnyActorRef } from 'xstate';
import { SessionError } from '../ground/errors.js';
import type { TerminalRecord } from '../ground/outcome.js';
import { shown } from '../ground/shown.js';
import { plainJsonProblem } from '../journal/index.js';
import { childRef } from '../supervisor/index.js';
import { remoteTerminations } from './remoteTermination.js';
import type { SessionIndex } from './sessionIndex.js';
import { SESSION_ID_PATTERN } from './sessionSpec.js';
import type { HostRequest, SessionStore } from './store.js';

export interface RoutingDeps {
  store: SessionStore;
  index: SessionIndex;
  /** Cancels a local live session and returns its `done`. */
  cancelLocal(sessionId: string, reason: string): Promise<TerminalRecord> | undefined;
}

const notFound = (sessionId: string, what = `No live session ${shown(sessionId)}`) =>
  new SessionError('not_found', `${what}.`, { sessionId });

const isSessionId = (id: unknown): id is string =>
  typeof id === 'string' && SESSION_ID_PATTERN.test(id);

/** The running ref of a local session's child, or `undefined`. */
export function localChild(
  index: SessionIndex,
  sessionId: string,
  childId: string,
): AnyActorRef | undefined {
  const session = index.live(sessionId)?.ref;
  return session?.getSnapshot().status === 'active' ? childRef(session, childId) : undefined;
}

/** Delivers a checked event to a child of this host. */
function sendLocal(index: SessionIndex, message: Extract<HostRequest, { type: 'send' }>): void {
  const { sessionId, childId, event } = message;
  if (!index.live(sessionId)) throw notFound(sessionId);
  const child = localChild(index, sessionId, childId);
  if (!child)
    throw notFound(sessionId, `Session "${sessionId}" has no running child ${shown(childId)}`);
  child.send(event);
}

const invalidEvent = (sessionId: string, why: string) =>
  new SessionError(
    'invalid_event',
    `Cannot send this event to session ${shown(sessionId)}: ${why}.`,
    {
      sessionId,
    },
  );

/**
 * An event is an object with a string `type`, as XState requires: anything
 * else would make the child that receives it fail (and, sent often enough,
 * its session). An event for another host crosses the wire, so it must be
 * plain JSON as well; one for this host may carry anything (refs, functions).
 */
function checkEvent(sessionId: string, event: unknown): void {
  const isObject = typeof event === 'object' && event !== null && !Array.isArray(event);
  const type = isObject ? (event as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') {
    const got = isObject ? `"type" is ${shown(type)}` : shown(event);
    throw invalidEvent(sessionId, `an event is an object with a string "type"; got ${got}`);
  }
}

export function createRouting({ store, index, cancelLocal }: RoutingDeps) {
  const terminations = remoteTerminations(store);
  let unserve: (() => void) | undefined;
  const remoteOwner = async (sessionId: string) => {
    const owner = await store.locate(sessionId);
    return owner && owner.hostId !== store.hostId ? owner : undefined;
  };

  return {
    async send(sessionId: string, childId: string, event: { type: string }): Promise<void> {
      checkEvent(sessionId, event);
      const message = { type: 'send', sessionId, childId, event } as const;
      const live = index.live(sessionId);
      if (live) {
        sendLocal(index, message);
        // XState has run the event's macrostep by now, and the checkpointer has
        // taken the snapshot it produced: a durable session's send resolves once
        // that is on disk.
        if (live.durable) await live.durable.checkpointed();
        return;
      }
      // What cannot be a session id names no session: nothing to ask the store.
      if (!isSessionId(sessionId)) throw notFound(sessionId);
      const owner = await remoteOwner(sessionId);
      if (!owner) throw notFound(sessionId);
      const problem = plainJsonProblem(event, 'the event');
      if (problem !== undefined) {
        throw invalidEvent(
          sessionId,
          `it goes to host ${owner.hostId}, so it must be plain JSON: ${problem}`,
        );
      }
      await store.request(owner.hostId, message);
    },

    async locate(sessionId: string): Promise<{ hostId: string; local: boolean } | undefined> {
      if (index.live(sessionId)) return { hostId: store.hostId, local: true };
      if (!isSessionId(sessionId)) return undefined;
      const owner = await remoteOwner(sessionId);
      return owner && { hostId: owner.hostId, local: false };
    },

    /**
     * A session live on another host, terminated there and waited for (see
     * `remoteTermination.ts`); `undefined` when no other host owns it.
     */
    async terminateRemote(sessionId: string, reason: string): Promise<TerminalRecord | undefined> {
      const owner = await remoteOwner(sessionId);
      return owner && terminations.terminate(owner.hostId, sessionId, reason);
    },

    /** Answers other hosts' requests with this host's sessions, until `close`. */
    serveRequests(): void {
      unserve = store.serve(async (message) => {
        if (message.type === 'send') {
          checkEvent(message.sessionId, message.event);
          return sendLocal(index, message);
        }
        const done = cancelLocal(message.sessionId, message.reason ?? 'terminated');
        if (!done) throw notFound(message.sessionId);
        return done;
      });
    },

    /** Stops answering, and gives up waiting for remote ends (`SessionError('stopped')`). */
    close(): void {
      unserve?.();
      terminations.giveUp();
    },
  };
}

export type Routing = ReturnType<typeof createRouting>;
