/**
 * Finding a live session's actors through the public API: its session
 * actor (the manager root's child of that id, which is the session's
 * supervisor), the children it runs and what those invoke. Each gets the
 * label the page shows: `session`, the child's id, `child/invoked`.
 *
 * ```ts
 * const session = liveSessionRef(manager, 'fix-42'); // undefined once it has ended
 * const actors = session ? sessionActors(session, manager.findSupervisor('fix-42')) : [];
 * // [[sessionRef, 'session'], [agentRef, 'agent'], [invokedRef, 'agent/search'], ...]
 * const tree = sessionTree(manager, 'fix-42');  // supervisionTree of that session only
 * ```
 */
import type { AnyActorLogic, AnyActorRef, AnyStateMachine } from 'xstate';
import { type SupervisionNode, supervisionTree } from '../inspect/supervisionTree.js';
import type { SessionManager } from '../manager/createSessionManager.js';
import { processMachine } from '../process/fromProcess.js';
import { whichChild, whichChildren } from '../supervisor/index.js';

/** Deeper than this, invoked actors are not labelled (a runaway recursion guard). */
const MAX_DEPTH = 6;

const isActive = (ref: AnyActorRef | undefined): ref is AnyActorRef =>
  ref?.getSnapshot()?.status === 'active';

export function logicOf(ref: AnyActorRef): AnyActorLogic | undefined {
  return (ref as { logic?: AnyActorLogic }).logic;
}

/** True for a state machine (what `toMermaid` draws), false for callbacks, promises, stores. */
export function isStateMachine(logic: unknown): logic is AnyStateMachine {
  const candidate = logic as { root?: { states?: unknown }; config?: unknown } | undefined;
  return typeof candidate?.root === 'object' && candidate.config !== undefined;
}

/** The running session actor of `id`, if it runs on this host. */
export function liveSessionRef(manager: SessionManager, id: string): AnyActorRef | undefined {
  try {
    const ref = whichChild(manager.root, id)?.ref;
    return isActive(ref) ? ref : undefined;
  } catch {
    // The root is always a supervisor; a manager that stopped may not answer.
    return undefined;
  }
}

/** Every actor of a live session with its label, session first. */
export function sessionActors(
  session: AnyActorRef,
  supervisor: AnyActorRef | undefined,
): [AnyActorRef, string][] {
  const out: [AnyActorRef, string][] = [];
  const visit = (ref: AnyActorRef, label: string, depth: number): void => {
    out.push([ref, label]);
    if (depth >= MAX_DEPTH || logicOf(ref) === processMachine) return;
    if (ref === supervisor) {
      for (const info of whichChildren(ref)) {
        if (isActive(info.ref)) visit(info.ref, info.id, depth + 1);
      }
      return;
    }
    const children = (ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> })
      .children;
    for (const [childId, child] of Object.entries(children ?? {})) {
      // `otp.*`: the supervisors' bookkeeping actors, internals.
      if (!isActive(child) || childId.startsWith('otp.')) continue;
      const childLabel =
        child === supervisor ? 'supervisor' : ref === session ? childId : `${label}/${childId}`;
      visit(child, childLabel, depth + 1);
    }
  };
  visit(session, 'session', 0);
  return out;
}

/** The running children of a session's supervisor that are state machines, in start order. */
export function machineChildren(supervisor: AnyActorRef | undefined): [string, AnyActorRef][] {
  if (!isActive(supervisor)) return [];
  const out: [string, AnyActorRef][] = [];
  for (const info of whichChildren(supervisor)) {
    if (isActive(info.ref) && isStateMachine(logicOf(info.ref))) out.push([info.id, info.ref]);
  }
  return out;
}

/**
 * `supervisionTree` of one session: the session actor at the top (kind
 * `session`), and each supervised child with `nextRestartAt` while a
 * restart backoff is pending (when the supervisor reports one).
 */
export function sessionTree(manager: SessionManager, id: string): SupervisionNode | null {
  const session = liveSessionRef(manager, id);
  if (!session) return null;
  const tree = supervisionTree({ root: session, registry: manager.registry });
  const info = whichChild(manager.root, id);
  const top: SupervisionNode = {
    ...tree,
    kind: 'session',
    ...(info ? { restart: info.restart, restarts: info.restarts } : {}),
  };
  const supervisor = manager.findSupervisor(id);
  return supervisor ? withBackoff(top, supervisor) : top;
}

/** Copies `nextRestartAt` (epoch ms on the system clock) from the child table onto the tree. */
function withBackoff(node: SupervisionNode, supervisor: AnyActorRef): SupervisionNode {
  const children = node.children.map((child) => {
    const next = whichChild(supervisor, child.id)?.nextRestartAt;
    return next === undefined ? child : { ...child, nextRestartAt: next };
  });
  return { ...node, children };
}
