/**
 * Learns every pid of every process actor a manager runs, from its
 * inspection events (pass `inspect` to `createSessionManager`):
 * `process.started` gives a root's pid, the fixture's `pid:<n>` lines its
 * tree's. Each pid is also handed to `trackPids`, so the after-each check
 * kills and reports whatever a failed test left.
 *
 * ```ts
 * const learner = pidLearner();
 * const manager = await createSessionManager({ inspect: learner.inspect });
 * const ref = manager.getChild(id, 'agent')!;
 * const tree = await learner.whenUp(ref, 2); // a daemon, then the root: all up
 * process.kill(tree.root!, 'SIGKILL');
 * await ended(ref);
 * learner.all;    // every pid seen
 * learner.scopes; // the journal scope markers the roots carried
 * ```
 */
import { readFileSync } from 'node:fs';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { SCOPE_MARKER_ENV } from '../../src/testing/index.js';
import { trackPids } from './processes.js';

/** What the inspection events told about one process actor. */
export interface Tree {
  root: number | undefined;
  /** `pid:` lines in order: descendants first, the root last. */
  announced: number[];
  waiters: (() => void)[];
}

/** Learns every pid of every process actor from the manager's inspection events. */
export function pidLearner() {
  const trees = new Map<AnyActorRef, Tree>();
  const all = new Set<number>();
  const roots = new Set<number>();
  /** The scope markers read from roots announced alive (read once their tree is up). */
  const scopes = new Set<string>();
  const treeOf = (ref: AnyActorRef) => {
    let tree = trees.get(ref);
    if (!tree) {
      tree = { root: undefined, announced: [], waiters: [] };
      trees.set(ref, tree);
    }
    return tree;
  };
  const learn = (pid: number) => {
    all.add(pid);
    trackPids([pid]);
  };
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.event') return;
    const payload = event.event as { type: string; pid?: number; lines?: string[] };
    if (payload.type === 'process.started' && payload.pid !== undefined) {
      const tree = treeOf(event.actorRef as AnyActorRef);
      tree.root = payload.pid;
      roots.add(payload.pid);
      learn(payload.pid);
      for (const wake of tree.waiters.splice(0)) wake();
    } else if (payload.type === 'process.output') {
      const tree = treeOf(event.actorRef as AnyActorRef);
      for (const line of payload.lines ?? []) {
        const match = /^pid:(\d+)$/.exec(line);
        if (!match) continue;
        tree.announced.push(Number(match[1]));
        learn(Number(match[1]));
        // The root announces last: read its markers while it surely runs.
        if (Number(match[1]) === tree.root) {
          const scope = scopeMarkerOf(tree.root);
          if (scope !== undefined) scopes.add(scope);
        }
      }
      for (const wake of tree.waiters.splice(0)) wake();
    }
  };
  /**
   * Resolves once `ref` has spawned its root and `size` processes of its tree
   * have announced themselves (the root last, so `size` = all means all up).
   */
  const whenUp = (ref: AnyActorRef, size: number) =>
    new Promise<Tree>((resolve, reject) => {
      const tree = treeOf(ref);
      const check = () => {
        if (tree.root !== undefined && tree.announced.length >= size) resolve(tree);
        else if (ref.getSnapshot().status !== 'active') reject(new Error('ended before it was up'));
        else tree.waiters.push(check);
      };
      check();
      // An end brings no process event of its own: wake the check then too.
      void ended(ref).then(() => {
        const index = tree.waiters.indexOf(check);
        if (index >= 0) tree.waiters.splice(index, 1)[0]!();
      });
    });
  const rootOf = (ref: AnyActorRef) => trees.get(ref)?.root;
  return { inspect, whenUp, rootOf, all, roots, scopes };
}

/** The scope marker a live process carries (undefined once it is gone). */
function scopeMarkerOf(pid: number): string | undefined {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined; // Gone already.
  }
  const entry = environ.split('\0').find((e) => e.startsWith(`${SCOPE_MARKER_ENV}=`));
  return entry?.slice(SCOPE_MARKER_ENV.length + 1);
}

/** Resolves once `ref` has ended (for a process killed from outside: with an error). */
export function ended(ref: AnyActorRef): Promise<void> {
  return new Promise((resolve) => {
    if (ref.getSnapshot().status !== 'active') return resolve();
    ref.subscribe({ complete: () => resolve(), error: () => resolve() });
  });
}

export type PidLearner = ReturnType<typeof pidLearner>;
