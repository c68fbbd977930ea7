/**
 * The two actors a session uses for its workspace.
 *
 * ```ts
 * const create = { id: 'workspace', src: workspaceCreator, input: { plan, record, reuse } };
 * // sends back workspace.created { location } or workspace.failed { error };
 * // reuse (a resumed attempt): the previous attempt's workspace if it is still there;
 * // receives workspace.abandon: stop after the current step and undo.
 * const release = { src: workspaceReleaser, input: { plan, outcome, record, beforeRelease } }; // keep or remove
 * ```
 *
 * Creation is a callback actor rather than a `fromPromise` so that
 * cancelling it can be awaited: a `fromPromise` stopped by leaving its state
 * has its signal aborted, but its result (the undo finishing) is dropped,
 * and the session could end while half a worktree is still on disk. Here the
 * session asks (`workspace.abandon`), stays in `starting`, and ends only once
 * the creation reports back, after it has undone its work. Being stopped
 * (the session stopped abruptly) still aborts it, as a last resort.
 *
 * A resumed durable session's attempt asks for `reuse` when its journal says
 * an earlier attempt created the workspace and nothing settled it since:
 * `reuseWorkspace` takes it over if it is still there and still the
 * session's (see `src/workspace/reuse.ts`).
 */
import { fromCallback, fromPromise } from 'xstate';
import type { Outcome } from '../journal/index.js';
import {
  createWorkspace,
  type ReleasedWorkspace,
  releaseWorkspace,
} from '../workspace/lifecycle.js';
import { reuseWorkspace } from '../workspace/reuse.js';
import type { WorkspacePlan, WorkspaceRecorder } from '../workspace/types.js';

export interface WorkspaceActorInput {
  plan: WorkspacePlan;
  record: WorkspaceRecorder;
  beforeRelease?: () => Promise<void>;
  /** Take over the previous attempt's workspace when it is still there. */
  reuse?: boolean | undefined;
}

export const workspaceCreator = fromCallback<{ type: 'workspace.abandon' }, WorkspaceActorInput>(
  ({ input, sendBack, receive }) => {
    const controller = new AbortController();
    const create = input.reuse ? reuseWorkspace : createWorkspace;
    create(input.plan, { signal: controller.signal, record: input.record }).then(
      (location) => sendBack({ type: 'workspace.created', location }),
      (error: unknown) => sendBack({ type: 'workspace.failed', error }),
    );
    receive((event) => {
      if (event.type === 'workspace.abandon') controller.abort();
    });
    return () => controller.abort();
  },
);

export const workspaceReleaser = fromPromise<
  ReleasedWorkspace,
  WorkspaceActorInput & { outcome: Outcome }
>(async ({ input }) => {
  // A process that escaped its tree could still be writing there; it goes first.
  await input.beforeRelease?.().catch(() => {});
  return releaseWorkspace(input.plan, input.outcome, input.record);
});
