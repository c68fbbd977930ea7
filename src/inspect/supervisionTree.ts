/**
 * `supervisionTree(manager)`: every live actor of a session manager as one
 * JSON tree — who supervises whom, under which registry key, in which state.
 *
 * ```ts
 * const manager = await createSessionManager();
 * manager.createSession({ id: 'fix-42', children: [{ id: 'agent', logic: agentMachine }] });
 * console.log(JSON.stringify(supervisionTree(manager), null, 2));
 * // { "id": "x:0", "kind": "manager", "actorId": "x:0", "status": "running", "state": "live.running",
 * //   "children": [
 * //     { "id": "fix-42", "kind": "session", "key": "session_supervisor:fix-42", "status": "running",
 * //       "state": "running.idle", "restart": "temporary", "restarts": 0,
 * //       "children": [{ "id": "agent", "kind": "actor", "status": "running", "state": "thinking",
 * //                      "restart": "permanent", "restarts": 0, "children": [] }] } ] }
 * ```
 *
 * How the tree is walked:
 * - A supervisor's children are its child table (`whichChildren`), in start
 *   order, including children that are `restarting` or `stopped` (spec kept,
 *   no actor): those have no `state` and no `children`. They are what
 *   `whichChildren` shows, so the tree agrees with the admin API.
 * - Any other actor's children are the ones XState itself holds (invoked or
 *   spawned: an agent's own invocations). A session is a supervisor. Left
 *   out as internals: the supervisors' bookkeeping actors (ids starting with
 *   `otp.`) and a process actor's runner (a process node is a leaf, with its
 *   `pid`).
 * - `key` is the registry key the actor is registered under, if any;
 *   `state` is the machine's active state as dotted paths (parallel regions
 *   joined by `, `); `pid` is the root pid of a process actor.
 *
 * The result is plain data (strings, numbers, arrays, objects), so
 * `JSON.stringify` always works on it. It is a snapshot: call it again to see
 * changes.
 *
 * @module
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import { processMachine } from '../process/fromProcess.js';
import type { Registry } from '../registry/index.js';
import { sessionMachine } from '../session/sessionMachine.js';
import { whichChildren } from '../supervisor/admin.js';
import { supervisorStateOf } from '../supervisor/childTable.js';
import type { ChildInfo, ChildStatus, RestartType } from '../supervisor/types.js';

export type SupervisionNodeKind = 'manager' | 'session' | 'supervisor' | 'process' | 'actor';

export interface SupervisionNode {
  /** The actor's id in its parent: a child spec's id, an invoke id. */
  id: string;
  kind: SupervisionNodeKind;
  /** XState's unique id for this actor (`ref.sessionId`), as inspection events name it. */
  actorId?: string;
  /** The registry key this actor is registered under. */
  key?: string;
  /** `running` while the actor is alive; a supervised child may be `restarting` or `stopped`. */
  status: ChildStatus;
  /** The machine's active state, e.g. `live.running.withoutDeadline`. */
  state?: string;
  /** For a supervised child: its restart type and how often it was restarted. */
  restart?: RestartType;
  restarts?: number;
  /** For a process actor: the root pid, once spawned. */
  pid?: number;
  children: SupervisionNode[];
}

/** Anything with a root actor and, optionally, the registry its keys live in (a `SessionManager`). */
export interface SupervisionSource {
  readonly root: AnyActorRef;
  readonly registry?: Registry;
}

interface Walk {
  keys: Map<AnyActorRef, string>;
}

/** The tree of every live actor under `source.root` (see the module comment). */
export function supervisionTree(source: SupervisionSource): SupervisionNode {
  const keys = new Map<AnyActorRef, string>();
  for (const key of source.registry?.keys() ?? []) {
    const ref = source.registry?.lookup(key);
    if (ref) keys.set(ref, key);
  }
  return describeActor(source.root, { keys }, 'manager');
}

interface MachineLikeSnapshot {
  status?: string;
  value?: unknown;
  context?: unknown;
  children?: Record<string, AnyActorRef | undefined>;
}

function describeActor(
  ref: AnyActorRef,
  walk: Walk,
  forcedKind?: SupervisionNodeKind,
  supervised?: ChildInfo,
): SupervisionNode {
  const snapshot = (ref.getSnapshot() ?? {}) as MachineLikeSnapshot;
  const logic = (ref as { logic?: AnyActorLogic }).logic;
  const supervisor = supervisorStateOf(ref) !== undefined;
  const kind =
    forcedKind ??
    (logic === sessionMachine
      ? 'session'
      : logic === processMachine
        ? 'process'
        : supervisor
          ? 'supervisor'
          : 'actor');
  const pid = (snapshot.context as { pid?: unknown } | undefined)?.pid;
  // Fields in reading order: this is also the JSON people look at.
  return compact({
    id: ref.id,
    kind,
    actorId: ref.sessionId,
    key: walk.keys.get(ref),
    // The child table knows better than the snapshot whether a child is restarting.
    status: supervised?.status ?? (snapshot.status === 'active' ? 'running' : 'stopped'),
    state: stateText(snapshot.value),
    restart: supervised?.restart,
    restarts: supervised?.restarts,
    pid: kind === 'process' && typeof pid === 'number' ? pid : undefined,
    children:
      kind === 'process'
        ? []
        : supervisor
          ? supervisedChildren(ref, walk)
          : xstateChildren(snapshot, walk),
  });
}

/** Drops the fields that do not apply, so the JSON has no `undefined` holes. */
function compact(node: { [K in keyof SupervisionNode]: SupervisionNode[K] | undefined }) {
  const out = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(node)) if (value !== undefined) out[key] = value;
  return out as unknown as SupervisionNode;
}

function supervisedChildren(supervisor: AnyActorRef, walk: Walk): SupervisionNode[] {
  return whichChildren(supervisor).map((info) =>
    info.ref
      ? describeActor(info.ref, walk, undefined, info)
      : {
          id: info.id,
          kind: 'actor',
          status: info.status,
          restart: info.restart,
          restarts: info.restarts,
          children: [],
        },
  );
}

function xstateChildren(snapshot: MachineLikeSnapshot, walk: Walk): SupervisionNode[] {
  const nodes: SupervisionNode[] = [];
  for (const [id, child] of Object.entries(snapshot.children ?? {})) {
    if (!child || id.startsWith('otp.')) continue;
    if (child.getSnapshot()?.status !== 'active') continue;
    nodes.push(describeActor(child, walk));
  }
  return nodes;
}

/** `{ live: { running: 'idle' } }` → `live.running.idle`; parallel regions joined by `, `. */
function stateText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return undefined;
  const paths: string[] = [];
  const visit = (node: unknown, prefix: string): void => {
    if (typeof node === 'string') {
      paths.push(`${prefix}${node}`);
      return;
    }
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 0 && prefix) paths.push(prefix.slice(0, -1));
    for (const [key, child] of entries) visit(child, `${prefix}${key}.`);
  };
  visit(value, '');
  return paths.length > 0 ? paths.join(', ') : undefined;
}
