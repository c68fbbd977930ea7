/**
 * The environment a session hands down to everything it supervises: its id
 * and its workspace. A child finds it by walking up its parents to the
 * nearest supervisor that has one, so nested supervisors and processes started
 * deep inside a session still carry the session's marker and working tree.
 */
import type { AnyActorRef } from 'xstate';
import type { ChildEnvironment } from './types.js';

export function findChildEnvironment(self: AnyActorRef): ChildEnvironment | undefined {
  let current: AnyActorRef | undefined = self._parent;
  while (current) {
    const context = (
      current.getSnapshot() as { context?: { options?: { environment?: ChildEnvironment } } }
    ).context;
    const environment = context?.options?.environment;
    if (environment) return environment;
    current = current._parent;
  }
  return undefined;
}
